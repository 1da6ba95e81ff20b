"""The PubMed cache: raw records and ECitMatch answers in their own SQLite file, outside build/.

Rebuilding the knowledge base never touches it, and a team can share it. Each batch is written
in one transaction, so the cache holds a batch whole or not at all.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_CACHE = Path("data/pubmed-cache.sqlite")

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
"""


class CacheError(Exception):
    """The cache could not be written: the message names the file; what it held before is intact."""


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class PubmedCache:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path)
        self.conn.executescript(_SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def cached(self, pmids) -> set[str]:
        wanted = list(pmids)
        found = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = self.conn.execute(f"select pmid from records where pmid in ({','.join('?' * len(chunk))})", chunk)
            found |= {row[0] for row in rows}
        return found

    def _write(self, what: str, sql: str, rows: list[tuple]) -> None:
        """All rows in one transaction, or none of them."""
        try:
            with self.conn:
                self.conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise CacheError(f"{self.path}: could not store {what} ({exc}); none of them was stored") from None

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
