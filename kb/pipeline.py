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

import hashlib
from collections.abc import Callable
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
from .graph import build_graph, edge_views, graph_rows
from .ingest import (DocumentError, Problem, Vocabulary, coverage_counts, coverage_problems, load_bodies,
                     parse_document)
from .ingest.document import MAX_DOCUMENT_BYTES
from .rdf.persist import new_stamp, store_path, write_store
from .resolve import resolve
from .store.atomic import atomic_database
from .store.manifest import check_entry, unlisted_documents
from .store.origins import read_origins
from .store.parse_cache import ParseCache, parser_version
from .store.rows import policy_rows, problem_rows
from .store.schema import TABLES
from .store.write import write_tables


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
          on_problem: Callable[[Problem], None] | None = None, registry_cache: Path | None = None) -> BuildReport:
    """Parse all policies in data_dir and write db_path atomically. Raises BuildError with strict problems.

    The PubMed cache (default data_dir/pubmed-cache.sqlite) supplies whatever enrichment and searches for
    new evidence it holds; the ClinicalTrials.gov cache (default: ctgov-cache.sqlite beside it) the trials'
    registry records.
    on_problem is called with each problem as it is found. Bad reviewed data raises CurationError.
    Parsed documents are kept in DB's parse cache (build/kb.parse-cache/), so only changed ones are parsed.
    """
    report = BuildReport(db_path, on_problem)
    cache_path = cache_path or data_dir / "pubmed-cache.sqlite"
    registry_cache = registry_cache or cache_path.with_name(DEFAULT_REGISTRY_CACHE.name)
    entries = load_manifest(data_dir)
    entries += unlisted_documents(data_dir, entries)
    curation = load_curation(data_dir / "curation")
    bodies = load_bodies([{"id": b.id, "name": b.name, "aliases": b.aliases} for b in curation.guideline_bodies])
    vocabulary = Vocabulary(curation.genre)
    parse_cache = ParseCache(db_path.with_name(db_path.stem + ".parse-cache"), parser_version(bodies, curation.genre))
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    tables["guideline_bodies"] = [{"id": b.id, "name": b.name} for b in curation.guideline_bodies]
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
        try:
            policy = parse_cache.get(sha256, source) if sha256 else None
            if policy is None:
                policy = parse_document(path, source, bodies, vocabulary)
                parse_cache.put(policy.document.sha256, source, policy)
        except DocumentError as exc:
            report.note([Problem("error", "document-unreadable", exc.source, exc.line, exc.message)])
            report.failed.append(entry.id)
            continue
        report.note(policy.problems + coverage_problems(policy))
        report.coverage[entry.id] = coverage_counts(policy)
        for name, rows in policy_rows(entry, policy, read_origins(path)).items():
            tables[name] += rows
        report.loaded.append(entry.id)
    tables, problems = resolve(tables, curation, _source(data_dir / "curation" / "trials.yml"))
    report.note(problems)
    report.note(_unmapped_statements(tables))
    tables["problems"] = list(problem_rows(report.problems))
    serious = [p for p in report.problems if p.severity in ("error", "warning")]
    if strict and serious:
        raise BuildError(f"--strict: {len(serious)} problem(s); the knowledge base was not written", serious)
    if not report.loaded:
        raise BuildError("no policy document could be loaded; the knowledge base was not written", serious)
    _write_atomically(db_path, tables, (cache_path, registry_cache), curation.searches, report)
    parse_cache.prune()
    report.parsed, report.reused = parse_cache.misses, parse_cache.hits
    report.note(_write_rdf_store(db_path))
    report.counts = {name: len(rows) for name, rows in tables.items()}
    return report


def _unmapped_statements(tables: dict[str, list[dict]]) -> list[Problem]:
    """Statements the indication vocabulary does not cover: reported, so the vocabulary can grow."""
    mapped = {row["statement_id"] for row in tables["statement_indications"]}
    file_of = {p["id"]: p["file"] for p in tables["policies"]}
    return [Problem("warning", "indication-unmapped", file_of[s["policy_id"]], s["line_start"],
                    f"statement indication {s['indication']!r} matches no entry of data/curation/indications.yml")
            for s in tables["statements"] if s["id"] not in mapped]


def _write_atomically(db_path: Path, tables: dict[str, list[dict]], caches: tuple[Path, Path],
                      searches: list[SearchTerms], report: BuildReport) -> None:
    cache_path, registry_cache = caches
    with atomic_database(db_path) as db:
        _write(db, tables)
        report.note([Problem("warning", "cached-record-unreadable", str(cache_path), 1, message)
                     for message in apply_cache(db, cache_path) + apply_searches(db, cache_path, searches)])
        report.note([Problem("warning", "cached-record-unreadable", str(registry_cache), 1, message)
                     for message in apply_registry(db, registry_cache)])
        write_graph(db)
        db.execute("ANALYZE")


def _write(db: sqlite_utils.Database, tables: dict[str, list[dict]]) -> None:
    write_tables(db, tables)
    for name, sql in edge_views().items():
        db.create_view(name, sql)


def write_graph(db: sqlite_utils.Database) -> None:
    """(Re)write the graph's nodes and edges from the store, last in a build and again after enrichment.

    Each time, the database gets a new build stamp, which the RDF store written from it will carry.
    """
    new_stamp(db)
    db.execute("delete from edges")
    db.execute("delete from nodes")
    nodes, edges = graph_rows(build_graph(db))
    db["nodes"].insert_all(nodes, batch_size=1000)
    db["edges"].insert_all(edges, batch_size=1000)
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
