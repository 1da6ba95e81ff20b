"""Build the knowledge base from data/: parse every listed policy, write one SQLite file.

The database is written to a temporary file beside the target and renamed over it only when
complete, so a failed or interrupted build leaves the previous knowledge base as it was.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
import yaml

from ..enrich.apply import apply_cache
from ..graph import build_graph, edge_views, graph_rows
from ..ingest import DocumentError, Problem, load_bodies, parse_document
from ..resolve import resolve
from .atomic import atomic_database
from .manifest import Entry, load_manifest, unlisted_documents
from .rows import policy_rows, problem_rows
from .schema import TABLES, VIEWS


class BuildError(Exception):
    """The build stopped; nothing was written. `problems` says why."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class BuildReport:
    db_path: Path
    loaded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def load_curation(folder: Path) -> dict[str, list[dict]]:
    """The reviewed vocabularies in data/curation/, by file stem."""
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.yml"))}


def _source(path: Path) -> str:
    """The file name reviewers see in messages and rows: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _check_entry(entry: Entry, path: Path, source: str) -> list[Problem]:
    problems = []
    data = path.read_bytes()
    if entry.sha256 and hashlib.sha256(data).hexdigest() != entry.sha256:
        problems.append(Problem("warning", "manifest-sha256-mismatch", source, 1,
                                "the file differs from the one reviewed in data/policies.yml (sha256 changed)"))
    if entry.issuer_evidence and entry.issuer_line:
        lines = data.decode("utf-8", errors="replace").split("\n")
        line = lines[entry.issuer_line - 1] if entry.issuer_line <= len(lines) else ""
        if entry.issuer_evidence not in line:
            problems.append(Problem("warning", "issuer-evidence-missing", source, entry.issuer_line,
                                    f"issuer evidence {entry.issuer_evidence!r} is not on this line"))
    if entry.original_name is None and entry.sha256 is None:
        problems.append(Problem("warning", "not-in-manifest", source, 1,
                                "file is not listed in data/policies.yml; ingested without a reviewed issuer"))
    return problems


def build(db_path: Path, data_dir: Path, strict: bool = False, cache_path: Path | None = None) -> BuildReport:
    """Parse all policies in data_dir and write db_path atomically. Raises BuildError with strict problems.

    The PubMed cache (default data_dir/pubmed-cache.sqlite) supplies whatever enrichment it holds.
    """
    report = BuildReport(db_path)
    cache_path = cache_path or data_dir / "pubmed-cache.sqlite"
    entries = load_manifest(data_dir)
    entries += unlisted_documents(data_dir, entries)
    curation = load_curation(data_dir / "curation")
    body_entries = curation["guideline_bodies"]
    bodies = load_bodies(body_entries)
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    tables["guideline_bodies"] = [{"id": b["id"], "name": b["name"]} for b in body_entries]
    for entry in entries:
        path = data_dir / entry.file
        source = _source(path)
        if not path.is_file():
            report.problems.append(Problem("error", "document-missing", source, 1,
                                           "listed in data/policies.yml but the file does not exist"))
            report.failed.append(entry.id)
            continue
        report.problems += _check_entry(entry, path, source)
        try:
            policy = parse_document(path, source, bodies)
        except DocumentError as exc:
            report.problems.append(Problem("error", "document-unreadable", exc.source, exc.line, exc.message))
            report.failed.append(entry.id)
            continue
        report.problems += policy.problems
        for name, rows in policy_rows(entry, policy).items():
            tables[name] += rows
        report.loaded.append(entry.id)
    file_of = {p["id"]: p["file"] for p in tables["policies"]}
    for trial, policy, line, quote in resolve(tables, curation):
        report.problems.append(Problem("warning", "curated-quote-not-found", file_of.get(policy, policy), line,
                                       f"data/curation/trials.yml ({trial}): quote not on this line: {quote[:60]!r}"))
    report.problems += _unmapped_statements(tables)
    tables["problems"] = list(problem_rows(report.problems))
    serious = [p for p in report.problems if p.severity in ("error", "warning")]
    if strict and serious:
        raise BuildError(f"--strict: {len(serious)} problem(s); the knowledge base was not written", serious)
    if not report.loaded:
        raise BuildError("no policy document could be loaded; the knowledge base was not written", serious)
    _write_atomically(db_path, tables, cache_path, report)
    report.counts = {name: len(rows) for name, rows in tables.items()}
    return report


def _unmapped_statements(tables: dict[str, list[dict]]) -> list[Problem]:
    """Statements the indication vocabulary does not cover: reported, so the vocabulary can grow."""
    mapped = {row["statement_id"] for row in tables["statement_indications"]}
    file_of = {p["id"]: p["file"] for p in tables["policies"]}
    return [Problem("warning", "indication-unmapped", file_of[s["policy_id"]], s["line_start"],
                    f"statement indication {s['indication']!r} matches no entry of data/curation/indications.yml")
            for s in tables["statements"] if s["id"] not in mapped]


def _write_atomically(db_path: Path, tables: dict[str, list[dict]], cache_path: Path, report: BuildReport) -> None:
    with atomic_database(db_path) as db:
        _write(db, tables)
        for message in apply_cache(db, cache_path):
            report.problems.append(Problem("warning", "cached-record-unreadable", str(cache_path), 1, message))


def _write(db: sqlite_utils.Database, tables: dict[str, list[dict]]) -> None:
    for name, table in TABLES.items():
        columns = table.column_types
        db[name].create(columns, pk=table.pk, foreign_keys=table.references)
        rows = tables[name]
        for row in rows:
            if set(row) != set(columns):
                raise ValueError(f"{name}: row columns {sorted(set(row) ^ set(columns))} disagree with the schema")
        db[name].insert_all(rows, batch_size=500)
        for column in table.indexes + [fk for fk, *_ in table.foreign_keys]:
            db[name].create_index([column], if_not_exists=True)
        if table.fts:
            db[name].enable_fts(table.fts, create_triggers=False)
    for name, sql in VIEWS.items():
        db.create_view(name, sql)
    nodes, edges = graph_rows(build_graph(db))
    db["nodes"].insert_all(nodes, batch_size=1000)
    db["edges"].insert_all(edges, batch_size=1000)
    db["nodes"].rebuild_fts()
    for name, sql in edge_views().items():
        db.create_view(name, sql)
    db.execute("ANALYZE")
