"""The caches of what services answered, each in its own SQLite file, outside build/.

PubMed's (raw records, ECitMatch answers, the searches run for new evidence) and ClinicalTrials.gov's
(study records). Rebuilding the knowledge base never touches them, and a team can share them.
Each batch is written in one transaction, so a cache holds a batch whole or not at all.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_CACHE = Path("data/pubmed-cache.sqlite")
DEFAULT_REGISTRY_CACHE = Path("data/ctgov-cache.sqlite")

_SCHEMA = """
create table if not exists records (
  pmid text primary key,
  format text not null check (format in ('xml', 'medline')),
  body text not null,
  fetched_at text not null,
  source text not null
);
create table if not exists citation_matches (
  query text primary key,
  answer text not null,
  fetched_at text not null,
  source text not null
);
create table if not exists searches (
  term text not null,
  since text not null,
  run_on text not null,
  until text not null,
  count integer not null,
  pmids text not null,
  translation text,
  request text not null,
  source text not null,
  primary key (term, since)
);
create table if not exists search_failures (
  term text not null,
  since text not null,
  attempted_on text not null,
  reason text not null,
  status integer,
  request text not null,
  primary key (term, since)
);
"""
_REGISTRY_SCHEMA = """
create table if not exists studies (
  nct_id text primary key,
  body text not null,
  fetched_at text not null,
  request text not null
);
"""


class CacheError(Exception):
    """The cache could not be written: the message names the file; what it held before is intact."""


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class _Cache:
    schema = ""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path)
        self.conn.executescript(self.schema)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _write(self, what: str, sql: str, rows: list[tuple], *more: tuple[str, list[tuple]]) -> None:
        """All rows (of each further statement too) in one transaction, or none of them."""
        try:
            with self.conn:
                for statement, values in ((sql, rows), *more):
                    self.conn.executemany(statement, values)
        except sqlite3.Error as exc:
            raise CacheError(f"{self.path}: could not store {what} ({exc}); none of them was stored") from None


class PubmedCache(_Cache):
    schema = _SCHEMA

    def cached(self, pmids) -> set[str]:
        wanted = list(pmids)
        found = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = self.conn.execute(f"select pmid from records where pmid in ({','.join('?' * len(chunk))})", chunk)
            found |= {row[0] for row in rows}
        return found

    def put_records(self, records: dict[str, str], fmt: str, source: str) -> None:
        """Store raw records (pmid -> XML or MEDLINE text) in one transaction."""
        stamp = now()
        self._write(f"{len(records)} PubMed records",
                    "insert or replace into records (pmid, format, body, fetched_at, source) values (?, ?, ?, ?, ?)",
                    [(pmid, fmt, body, stamp, source) for pmid, body in sorted(records.items())])

    def records(self) -> list[tuple[str, str, str, str, str]]:
        return self.conn.execute("select pmid, format, body, fetched_at, source from records order by pmid").fetchall()

    def put_matches(self, answers: dict[str, str], source: str) -> None:
        stamp = now()
        self._write(f"{len(answers)} ECitMatch answers",
                    "insert or replace into citation_matches (query, answer, fetched_at, source) values (?, ?, ?, ?)",
                    [(query, answer, stamp, source) for query, answer in sorted(answers.items())])

    def matches(self) -> dict[str, str]:
        return dict(self.conn.execute("select query, answer from citation_matches"))

    def put_search(self, search: dict) -> None:
        """A search's answer (term, since, run_on, until, count, pmids, translation, request, source);
        it replaces the last answer to the same search, and the failure recorded for it, if any."""
        self._write("a PubMed search", "insert or replace into searches values (:term, :since, :run_on, :until, "
                    ":count, :pmids, :translation, :request, :source)", [{**search, "pmids": json.dumps(search["pmids"])}],
                    ("delete from search_failures where term = ? and since = ?", [(search["term"], search["since"])]))

    def put_search_failure(self, term: str, since: str, attempted_on: str, reason: str, status: int | None,
                           request: str) -> None:
        """A search that could not run (status: the HTTP status of a refusal; None when PubMed was not reached);
        the last answer to it, if any, is kept."""
        self._write("a PubMed search failure", "insert or replace into search_failures values (?, ?, ?, ?, ?, ?)",
                    [(term, since, attempted_on, reason, status, request)])

    def searches(self) -> dict[tuple[str, str], dict]:
        """Every search's last answer, by (term, since)."""
        cursor = self.conn.execute("select * from searches")
        names = [d[0] for d in cursor.description]
        found = [dict(zip(names, row)) for row in cursor]
        return {(s["term"], s["since"]): {**s, "pmids": json.loads(s["pmids"])} for s in found}

    def search_failures(self) -> dict[tuple[str, str], dict]:
        """Every search whose last attempt failed, by (term, since)."""
        return {(row[0], row[1]): {"attempted_on": row[2], "reason": row[3], "status": row[4], "request": row[5]}
                for row in self.conn.execute("select * from search_failures")}


class RegistryCache(_Cache):
    """ClinicalTrials.gov study records, by their own NCT id, as JSON text, with the request that fetched each."""

    schema = _REGISTRY_SCHEMA

    def cached(self) -> dict[str, str]:
        """The JSON text of every cached study, by NCT id."""
        return dict(self.conn.execute("select nct_id, body from studies"))

    def put_studies(self, studies: dict[str, str], request: str) -> None:
        stamp = now()
        self._write(f"{len(studies)} ClinicalTrials.gov studies",
                    "insert or replace into studies (nct_id, body, fetched_at, request) values (?, ?, ?, ?)",
                    [(nct, body, stamp, request) for nct, body in sorted(studies.items())])

    def studies(self) -> list[tuple[str, str, str, str]]:
        return self.conn.execute("select nct_id, body, fetched_at, request from studies order by nct_id").fetchall()
