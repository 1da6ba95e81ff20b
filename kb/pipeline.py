"""The build, top to bottom: data/ in, one SQLite knowledge base out.

The stages run in order and hand values down: reviewed data and manifest (curation) -> each
document parsed into records (ingest) and flattened into rows (store.rows) -> resolved across
policies into works, anomalies, indications, guidelines and trials (resolve) -> written
(store.write) -> PubMed records applied from the cache (enrich) -> the evidence graph built from
the store and written as its nodes and edges (graph). The database is written to a temporary
file beside the target and renamed over it only when complete, so a failed or interrupted build
leaves the previous knowledge base as it was.
"""
from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import itertools
import os
import pickle
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlite_utils

from .curation import SearchTerms, load_curation, load_manifest
from .enrich import EnrichReport, Settings
from .enrich import enrich as enrich_stage
from .enrich.apply import apply_cache
from .enrich.cache import DEFAULT_REGISTRY_CACHE
from .enrich.registry import apply_registry
from .enrich.searches import SearchReport, apply_searches, search_new_evidence
from .graph import edge_views, write_graph_rows
from .ingest import (DocumentError, Problem, Vocabulary, coverage_counts, coverage_problems, curated_bodies,
                     parse_document)
from .ingest.document import MAX_DOCUMENT_BYTES
from .rdf.persist import new_stamp, store_path, write_store
from .resolve import resolve
from .store.atomic import atomic_database
from .store.aggregates import write_aggregates
from .store.manifest import check_entry, unlisted_documents
from .store.origins import read_origins
from .store.parse_cache import ParseCache, parser_version
from .store.rows import compact_row_type, policy_rows, problem_rows
from .store.schema import TABLES
from .store.write import create_tables, finish_tables, insert_rows


class BuildError(Exception):
    """The build stopped; nothing was written. `problems` says why."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class BuildReport:
    db_path: Path
    on_problem: Callable[[Problem], None] | None = None  # told of each problem when found, so a crash loses none
    loaded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)  # per policy: statements, positions left
    parsed: int = 0  # documents parsed by this build; the others came from the parse cache
    reused: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each stage, for bench/build_stages.py

    @contextlib.contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - start

    def note(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.problems.append(problem)
            if self.on_problem:
                self.on_problem(problem)


def _source(path: Path) -> str:
    """The file name reviewers see in messages and rows: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def build(db_path: Path, data_dir: Path, strict: bool = False, cache_path: Path | None = None,
          on_problem: Callable[[Problem], None] | None = None, registry_cache: Path | None = None,
          workers: int | None = None) -> BuildReport:
    """Parse all policies in data_dir and write db_path atomically. Raises BuildError with strict problems.

    The PubMed cache (default data_dir/pubmed-cache.sqlite) supplies whatever enrichment and searches for
    new evidence it holds; the ClinicalTrials.gov cache (default: ctgov-cache.sqlite beside it) the trials'
    registry records.
    on_problem is called with each problem as it is found. Bad reviewed data raises CurationError.
    Parsed documents are kept in DB's parse cache (build/kb.parse-cache/), so only changed ones are parsed;
    the others are parsed by `workers` processes (default: one per core), in order.
    """
    report = BuildReport(db_path, on_problem)
    cache_path = cache_path or data_dir / "pubmed-cache.sqlite"
    registry_cache = registry_cache or cache_path.with_name(DEFAULT_REGISTRY_CACHE.name)
    entries = load_manifest(data_dir)
    entries += unlisted_documents(data_dir, entries)
    curation = load_curation(data_dir / "curation")
    bodies = curated_bodies(curation)
    parse_cache = ParseCache(db_path.with_name(db_path.stem + ".parse-cache"), parser_version(bodies, curation.genre))
    with _collection_settled(), atomic_database(db_path) as db:
        create_tables(db)
        with report.stage("parse"):
            quoted = {item.policy for trial in curation.trials for item in trial.sources + trial.results}
            tables = _read_documents(db, data_dir, entries, parse_cache, (bodies, curation.genre), workers, quoted,
                                     report)
        tables["guideline_bodies"] = [{"id": b.id, "name": b.name} for b in curation.guideline_bodies]
        with report.stage("resolve"):
            tables, problems = resolve(tables, curation, _source(data_dir / "curation" / "trials.yml"), in_place=True)
            report.note(problems)
            report.note(_unmapped_statements(tables))
            report.counts["policies"] = len(tables.pop("policies"))  # written as read
            references = tables.pop("policy_references")  # written as read; their links are set below
            report.counts["policy_references"] = len(references)
        tables["problems"] = list(problem_rows(report.problems))
        serious = [p for p in report.problems if p.severity in ("error", "warning")]
        if strict and serious:
            raise BuildError(f"--strict: {len(serious)} problem(s); the knowledge base was not written", serious)
        if not report.loaded:
            raise BuildError("no policy document could be loaded; the knowledge base was not written", serious)
        _return_freed_memory()
        with report.stage("write"):
            db.conn.executemany("update policy_references set work_id = ?, match_method = ?, match_score = ? "
                                "where id = ?", ((r["work_id"], r["match_method"], r["match_score"], r["id"])
                                                 for r in references))
            del references
            report.counts.update({name: len(rows) for name, rows in tables.items()})
            _write(db, tables)
            write_aggregates(db.conn)
        # The tables' indexes are made; the graph's few need no more than 32 MB of pages (as fast as 128 MB at
        # 1,000 policies), and SQLite's sorts take up to the cache's size each: 247 -> 104 MB more for the graph.
        db.execute("PRAGMA cache_size = -32768")
        _return_freed_memory()
        _enrich_and_graph(db, (cache_path, registry_cache), curation.searches, report)
    parse_cache.prune()
    report.parsed, report.reused = parse_cache.misses, parse_cache.hits
    with report.stage("rdf store"):
        report.note(_write_rdf_store(db_path))
    return report


# Tables of each document's rows that neither resolve nor the problem accounting reads: written as read.
_STREAMED = ("lines", "sections", "criteria", "thresholds", "codes", "statement_codes", "code_notes",
             "statement_evidence", "registered_trials", "related_policies", "devices")

# The columns of a reference row that resolve reads, or sets (its work, match method and score), and of those
# the ones describing the work cited, which the references of every policy citing it repeat.
_REFERENCE_COLUMNS = ("id", "policy_id", "position", "number", "authors", "first_author", "title", "journal", "year",
                      "volume", "issue", "pages", "pmid", "pmid_raw", "doi", "line_start", "work_id", "match_method",
                      "match_score")
_WORK_COLUMNS = ("authors", "first_author", "title", "journal", "volume", "issue", "pages", "pmid", "pmid_raw", "doi")
# Every other table's rows are held whole until written, in slots rather than dicts (a third of the memory).
_HELD = {name: compact_row_type(tuple(table.column_types), name) for name, table in TABLES.items()}


def _read_documents(db: sqlite_utils.Database, data_dir: Path, entries: list, parse_cache: ParseCache,
                    curated: tuple, workers: int | None, quoted: set[str], report: BuildReport
                    ) -> dict[str, list[dict]]:
    """Every document's rows, in manifest order; the tables no later stage reads (its lines, the largest, its
    sections, criteria, codes...) go to the database at once, the other rows are returned for resolving.
    Its policies and reference rows are written at once too; resolve gets each policy's id and file (and the
    text only of the policies the curated trials quote, `quoted`) and the reference columns it reads."""
    tables: dict[str, list[dict]] = {name: [] for name in TABLES if name not in _STREAMED}
    held_reference = compact_row_type(_REFERENCE_COLUMNS, shared=_WORK_COLUMNS)  # its shared values go with it
    report.counts.update({name: 0 for name in _STREAMED})
    jobs = []
    for entry in entries:
        path = data_dir / entry.file
        source = _source(path)
        if not path.is_file():
            report.note([Problem("error", "document-missing", source, 1,
                                 "listed in data/policies.yml but the file does not exist")])
            report.failed.append(entry.id)
            continue
        sha256 = None
        if path.stat().st_size <= MAX_DOCUMENT_BYTES:  # a larger file is refused unread by parse_document
            data = path.read_bytes()
            sha256 = hashlib.sha256(data).hexdigest()
            report.note(check_entry(entry, data, sha256, source))
        jobs.append((entry, path, source, sha256))
    for (entry, path, source, _), (policy, error) in zip(jobs, _parsed(jobs, parse_cache, curated, workers)):
        if error:
            report.note([Problem("error", "document-unreadable", *error)])
            report.failed.append(entry.id)
            continue
        report.note(policy.problems + coverage_problems(policy))
        report.coverage[entry.id] = coverage_counts(policy)
        for name, found in policy_rows(entry, policy, read_origins(path)).items():
            if name in _STREAMED:
                insert_rows(db, name, found)
                report.counts[name] += len(found)
            elif name == "policies":
                insert_rows(db, name, found)
                tables[name] += [{"id": p["id"], "file": p["file"], "text": p["text"] if p["id"] in quoted else None}
                                 for p in found]
            elif name == "policy_references":
                insert_rows(db, name, found)
                tables[name] += map(held_reference, found)
            else:
                tables[name] += map(_HELD[name], found)
        report.loaded.append(entry.id)
        _settle()
    db.conn.commit()
    return tables


_WINDOW = 4  # documents handed to each worker ahead of the one being written, so parses wait in few numbers


def _parsed(jobs: list, parse_cache: ParseCache, curated: tuple, workers: int | None) -> Iterator[tuple]:
    """(policy, None) or (None, (file, line, message)) for each job, in order: from the parse cache, else parsed,
    across processes when more than one document is to be parsed. Each parse is kept in the cache."""
    held = [sha256 is not None and parse_cache.holds(sha256, source) for _, _, source, sha256 in jobs]
    missing = [(path, source) for (_, path, source, _), found in zip(jobs, held) if not found]
    workers = min(workers or os.cpu_count() or 1, len(missing))
    _start_parser(*curated)  # for parsing here: one document, or a cache entry that could not be read
    pool = ProcessPoolExecutor(workers, initializer=_start_parser, initargs=curated) if workers > 1 else None
    pending: deque = deque()
    ahead = iter(missing)

    def submit() -> None:
        for path, source in itertools.islice(ahead, _WINDOW * workers + 1 - len(pending)):
            pending.append(pool.submit(_parse, path, source) if pool else (path, source))

    try:
        for (_, path, source, sha256), found in zip(jobs, held):
            policy = parse_cache.get(sha256, source) if sha256 else None
            if policy is not None:
                yield policy, None
                continue
            if found:  # held, but unreadable: parsed here
                data, error = _parse(path, source)
            else:
                submit()
                item = pending.popleft()
                data, error = item.result() if pool else _parse(*item)
            if data is None:
                yield None, error
                continue
            policy = pickle.loads(data)
            parse_cache.put_pickled(policy.document.sha256, source, data)
            yield policy, None
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)


_parser: tuple = ()  # in a parsing process: the guideline bodies and the genre's vocabulary


def _start_parser(bodies: list, genre) -> None:
    global _parser
    _parser = (bodies, Vocabulary(genre))


def _parse(path: Path, source: str) -> tuple[bytes | None, tuple | None]:
    """One document parsed and pickled (as it is handed between processes and kept in the parse cache), or
    why it could not be read."""
    try:
        policy = parse_document(path, source, *_parser)
    except DocumentError as exc:
        return None, (exc.source, exc.line, exc.message)
    return pickle.dumps(policy, protocol=pickle.HIGHEST_PROTOCOL), None


@contextlib.contextmanager
def _collection_settled() -> Iterator[None]:
    """A build during which _settle may set live objects aside from the garbage collector; they go back at its end."""
    try:
        yield
    finally:
        gc.unfreeze()


def _settle() -> None:
    """Set what is alive now (the rows held so far) aside from the garbage collector's walks: held for the whole
    build, they were walked by every full collection (1.9 s of the main process's time at 1,000 policies). What the
    document just read left unreachable is collected first, so only live objects are set aside; that collection
    walks only what is new since the last document."""
    gc.collect()
    gc.freeze()


def _return_freed_memory() -> None:
    """Give the memory that freed rows took back to the system. The C allocator keeps it for reuse, which the
    stages after it hardly make (SQLite and Oxigraph allocate their own): without this, their memory comes on
    top of the parse's and resolve's, and sets the build's peak. A no-op where the C library is not glibc."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _unmapped_statements(tables: dict[str, list[dict]]) -> list[Problem]:
    """Statements the indication vocabulary does not cover: reported, so the vocabulary can grow."""
    mapped = {row["statement_id"] for row in tables["statement_indications"]}
    file_of = {p["id"]: p["file"] for p in tables["policies"]}
    return [Problem("warning", "indication-unmapped", file_of[s["policy_id"]], s["line_start"],
                    f"statement indication {s['indication']!r} matches no entry of data/curation/indications.yml")
            for s in tables["statements"] if s["id"] not in mapped]


def _write(db: sqlite_utils.Database, tables: dict[str, list[dict]]) -> None:
    """The rows not yet written, in one transaction, each table let go of once written (so that the indexes,
    full-text search and views made next, and every later stage, run without the corpus's rows in memory)."""
    while tables:
        name, rows = tables.popitem()
        insert_rows(db, name, rows)
        del rows
    db.conn.commit()
    finish_tables(db)
    for name, sql in edge_views().items():
        db.create_view(name, sql)


def _enrich_and_graph(db: sqlite_utils.Database, caches: tuple[Path, Path], searches: list[SearchTerms],
                      report: BuildReport) -> None:
    cache_path, registry_cache = caches
    with report.stage("enrich from caches"):
        report.note([Problem("warning", "cached-record-unreadable", str(cache_path), 1, message)
                     for message in apply_cache(db, cache_path) + apply_searches(db, cache_path, searches)])
        report.note([Problem("warning", "cached-record-unreadable", str(registry_cache), 1, message)
                     for message in apply_registry(db, registry_cache)])
        db.conn.commit()
    with report.stage("graph"):
        write_graph(db)
        db.conn.commit()
    with report.stage("analyze"):
        db.execute("ANALYZE")


def write_graph(db: sqlite_utils.Database) -> None:
    """(Re)write the graph's nodes and edges from the store, last in a build and again after enrichment.

    Each time, the database gets a new build stamp, which the RDF store written from it will carry.
    """
    new_stamp(db)
    db.execute("delete from edges")
    db.execute("delete from nodes")
    write_graph_rows(db)
    db["nodes"].rebuild_fts()


def enrich(db_path: Path, cache_path: Path, settings: Settings, **options) -> EnrichReport:
    """PubMed enrichment (kb.enrich.enrich), with the graph and the RDF store rewritten from the enriched store."""
    report = enrich_stage(db_path, cache_path, settings, then=write_graph, **options)
    report.messages += [problem.message for problem in _write_rdf_store(db_path)]
    return report


def new_evidence(db_path: Path, cache_path: Path, settings: Settings, searches: list[SearchTerms], today: date,
                 **options) -> SearchReport:
    """The searches for new evidence since each policy's review (kb.enrich.searches), with the graph and the RDF
    store rewritten, as after enrichment: the hits' records join the PubMed tables."""
    report = search_new_evidence(db_path, cache_path, settings, searches, today, then=write_graph, **options)
    report.messages += [problem.message for problem in _write_rdf_store(db_path)]
    return report


def _write_rdf_store(db_path: Path) -> list[Problem]:
    """The RDF store beside the database; if it cannot be written, servers load the RDF from the database."""
    try:
        write_store(db_path)
    except OSError as error:
        return [Problem("warning", "rdf-store-not-written", str(store_path(db_path)), 1,
                        f"the RDF store could not be written ({error}); SPARQL servers will load the RDF "
                        "from the database at start-up")]
    return []
