"""Enrich: fetch the PubMed record behind every cited PMID, cache it, and load it into the KB.

    report = enrich(Path("build/kb.db"), Path("data/pubmed-cache.sqlite"), Settings())

Ids already cached are not fetched again (unless refresh). A batch that fails loses nothing
fetched before it; its ids are reported with the reason. Only what was asked for is cached: a
record for a PMID not asked for, or an ECitMatch answer for a key not asked for, is reported and
dropped, and a record that cannot be read is reported and asked for again next run. Saved PubMed
files (XML or MEDLINE) can be imported instead of fetched. The knowledge base is rewritten
atomically at the end, keeping what it held that the cache lacks.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from ..store.atomic import atomic_database
from .apply import answer_result, apply_cache, citation_queries, query_line
from .cache import PubmedCache
from .client import EutilsClient, EutilsError, Settings
from .fetch import fetch_batch
from .pubmed import RecordError, parse_article, parse_medline, split_articles

__all__ = ["enrich", "EnrichReport", "Settings", "import_files"]


@dataclass
class EnrichReport:
    wanted: int = 0
    cached: int = 0
    fetched: int = 0
    imported: int = 0
    requests: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # PMID -> why it was not fetched
    unmatched: dict[str, str] = field(default_factory=dict)  # reference id -> why ECitMatch gave no answer
    unasked_pmids: list[str] = field(default_factory=list)  # records efetch returned that no one asked for
    unasked_keys: list[str] = field(default_factory=list)  # ECitMatch answers for keys no one asked for
    matched: int = 0
    messages: list[str] = field(default_factory=list)


def import_files(cache: PubmedCache, paths: Iterable[Path]) -> int:
    """Load PubMed XML or MEDLINE files saved from PubMed into the cache; returns records imported."""
    count = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        try:
            if text.lstrip().startswith("<"):
                records, fmt = split_articles(text.encode("utf-8")), "xml"
                for body in records.values():
                    parse_article(body)
            else:
                records, fmt = parse_medline(text), "medline"
        except RecordError as exc:
            raise RecordError(f"{path}: {exc}") from None
        if not records:
            raise RecordError(f"{path}: no PubMed records in this file")
        if fmt == "medline":  # keep each record's own MEDLINE text, found by its whole PMID line
            chunks = [chunk for chunk in text.replace("\r\n", "\n").split("\n\n") if "PMID-" in chunk]
            records = {pmid: next(c for c in chunks if re.search(rf"^PMID- {pmid}\s*$", c, re.M))
                       for pmid in records}
        cache.put_records(records, fmt, f"import:{path.name}")
        count += len(records)
    return count


def enrich(db_path: Path, cache_path: Path, settings: Settings, refresh: bool = False,
           imports: Iterable[Path] = (), progress: Callable[[Iterable], Iterable] = lambda batches: batches,
           then: Callable[[sqlite_utils.Database], None] | None = None) -> EnrichReport:
    """Fetch, cache and apply PubMed records; `then` runs on the enriched database before it replaces the old."""
    report = EnrichReport()
    db = sqlite_utils.Database(db_path)
    pmids = sorted({row["pmid"] for row in db.query("select pmid from works where pmid is not null")})
    queries = citation_queries(db)
    db.close()
    with PubmedCache(cache_path) as cache:
        report.imported = import_files(cache, imports)
        client = None
        answers = cache.matches()
        to_match = [q for q in queries.values() if refresh or query_line(q) not in answers]
        if to_match:
            client = EutilsClient(settings)
            for start in range(0, len(to_match), 100):
                batch = to_match[start:start + 100]
                try:
                    lines = client.ecitmatch(batch)
                except EutilsError as exc:
                    report.unmatched.update({q["key"]: str(exc) for q in batch})
                    continue
                report.unasked_keys += sorted(set(lines) - {q["key"] for q in batch})
                report.unmatched.update({q["key"]: "ECitMatch's answer has no line for this citation"
                                         for q in batch if q["key"] not in lines})
                cache.put_matches({query_line(q): lines[q["key"]] for q in batch if q["key"] in lines},
                                  settings.base_url)
            answers = cache.matches()
        matched = [answer_result(line) for line in answers.values()]
        report.matched = sum(m.isdigit() for m in matched)
        wanted = sorted(set(pmids) | {m for m in matched if m.isdigit()})
        report.wanted = len(wanted)
        todo = wanted if refresh else sorted(set(wanted) - cache.cached(wanted))
        report.cached = report.wanted - len(todo)
        batches = [todo[i:i + settings.batch_size] for i in range(0, len(todo), settings.batch_size)]
        if batches:
            client = client or EutilsClient(settings)
            for batch in progress(batches):
                fetched, failed, unasked = fetch_batch(client, cache, batch)
                report.fetched += fetched
                report.failed.update(failed)
                report.unasked_pmids += unasked
        report.requests = client.requests if client else 0
        report.messages += client.notes if client else []
    with atomic_database(db_path, start_from=db_path) as db:
        report.messages += apply_cache(db, cache_path)
        if then:
            then(db)
    return report
