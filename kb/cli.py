"""The `kb` command: a thin layer over the Python API (kb.pipeline, kb.store.read, kb.cite, kb.enrich, kb.rdf)."""
from __future__ import annotations

import csv
import importlib
import json
import os
import sys
from datetime import datetime
from pathlib import Path

import click

from .queries import DEFAULT_QUERIES, load_queries, parameters

DEFAULT_DB = Path("build/kb.db")
DEFAULT_DATA = Path("data")
EXIT_NOT_LOADED = 3  # `kb build` wrote the knowledge base, but without some documents

class _Later:
    """A constant of a heavier module, imported only when a command needs it: as an option's default
    (click calls it, and --help shows its str()) or as _LaterChoice's choices. So `kb --help` and the
    light commands do not import the enrich, RDF, citation or web stacks (each command imports its own)."""

    def __init__(self, module: str, path: str):
        self.module, self.path = module, path

    def __call__(self):
        value = importlib.import_module(self.module, __package__)
        for name in self.path.split("."):
            value = getattr(value, name)
        return value

    def __str__(self) -> str:
        return str(self())


class _LaterChoice(click.Choice):
    """click.Choice of a _Later constant."""

    def __init__(self, choices: _Later):
        self.later, self.case_sensitive = choices, True

    @property
    def choices(self) -> tuple:
        return tuple(self.later())


db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
                         show_default=True, help="SQLite file of the knowledge base.")


@click.group()
@click.version_option(package_name="cryo-kb")
def cli():
    """cryo-kb: medical policies on cryoablation as a queryable evidence base."""


@cli.command(name="build")
@db_option
@click.option("--data", "data_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=DEFAULT_DATA, show_default=True, help="Folder with policies.yml, policies/ and curation/.")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
              help="PubMed cache to load records from  [default: DATA/pubmed-cache.sqlite]")
@click.option("--strict", is_flag=True, help="Fail, writing nothing, on any error or warning.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and warnings.")
def build_command(db_path: Path, data_dir: Path, cache_path: Path | None, strict: bool, quiet: bool):
    """Parse every policy in DATA and write the knowledge base to DB (atomically).

    \b
    Exit status:
      0  written; every document loaded
      3  written, but some documents could not be loaded (see the messages)
      1  nothing written (bad data, --strict, or DB's folder not writable)
    """
    from .curation import CurationError
    from .pipeline import BuildError, build
    from .store.atomic import TargetError

    def show(problem):
        if problem.severity != "info" or not quiet:
            click.echo(str(problem), err=True)

    try:
        report = build(db_path, data_dir, strict=strict, cache_path=cache_path, on_problem=show)
    except (BuildError, CurationError, TargetError) as exc:
        raise click.ClickException(str(exc)) from None
    if not quiet:
        counts = report.counts
        click.echo(f"{db_path}: {len(report.loaded)} policies, {counts['statements']} statements, "
                   f"{counts['criteria']} criteria, {counts['codes']} codes, {counts['policy_references']} references, "
                   f"{counts['citations']} citations, {len(report.problems)} problems noted "
                   f"({report.parsed} parsed, {report.reused} from the parse cache)")
        for policy_id, (found, left) in report.coverage.items():
            click.echo(f"  {policy_id}: {found} statements, {left} coverage sentences not extracted")
    if report.failed:
        click.echo(f"not loaded: {', '.join(report.failed)} (see the messages above)", err=True)
        sys.exit(EXIT_NOT_LOADED)



@cli.command(name="add")
@click.argument("original", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--data", "data_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=DEFAULT_DATA, show_default=True, help="Folder with policies.yml, policies/ and curation/.")
@click.option("--id", "policy_id", help="Policy id [default: from the file name].")
@click.option("--issuer", help="The issuer's name, as the document writes it (recorded only if it does).")
@click.option("--replace", is_flag=True, help="Overwrite a policy of the same id.")
def add_command(original: Path, data_dir: Path, policy_id: str | None, issuer: str | None, replace: bool):
    """Bring in a policy as published (PDF, HTML, Word .docx or text): its text, manifest entry and original."""
    from .convert import ConvertError
    from .convert.add import add_policy
    try:
        added = add_policy(original, data_dir, policy_id, issuer, replace)
    except ConvertError as exc:
        raise click.ClickException(str(exc)) from None
    entry, policy = added.entry, added.policy
    click.echo(f"{data_dir / entry.file}: {'replaced' if added.replaced else 'added'} from {original.name} "
               f"(kept as {data_dir / entry.original})")
    click.echo(f"  title: {policy.title or '(none found)'}")
    who = entry.issuer
    click.echo(f"  issuer: {who.name} ({who.evidence!r}, line {who.line})" if who.name else f"  issuer: {who.note}")
    click.echo(f"  statements: {len(policy.statements)}")
    for statement in policy.statements:
        click.echo(f"    line {statement.span.line_start}: {statement.status}: {statement.indication or '?'}")
    pmids = sum(1 for r in policy.references if r.pmid)
    click.echo(f"  references: {len(policy.references)} ({pmids} with a PMID); citations in the text: "
               f"{len(policy.citations)}")
    if added.doubts:
        click.echo(f"  doubts ({len(added.doubts)}):")
        for doubt in added.doubts:
            click.echo(f"    {doubt}")
    click.echo("  run `kb build` to load it")


@cli.command(name="enrich")
@db_option
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
              default=_Later(".enrich.cache", "DEFAULT_CACHE"), show_default=True,
              help="SQLite file holding fetched PubMed records (outside build/).")
@click.option("--eutils-url", help="E-utilities base URL [default: $KB_EUTILS_URL, else NCBI's].")
@click.option("--refresh", is_flag=True, help="Fetch again even the records already cached.")
@click.option("--import", "imports", multiple=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="PubMed XML or MEDLINE file saved from PubMed (repeatable): loaded instead of fetched.")
@click.option("--require-network", is_flag=True, help="Exit non-zero when any record could not be fetched.")
def enrich_command(db_path, cache_path, eutils_url, refresh, imports, require_network):
    """Fetch the PubMed records of every cited PMID (cached), match citations without one, and audit them."""
    from .enrich import Settings
    from .enrich.cache import CacheError
    from .enrich.pubmed import RecordError
    from .pipeline import enrich
    from .store.atomic import TargetError
    if not db_path.is_file():
        raise click.ClickException(f"{db_path}: no knowledge base here; run `kb build` first")
    settings = Settings(base_url=eutils_url) if eutils_url else Settings()

    def progress(batches):
        with click.progressbar(batches, label="efetch", file=sys.stderr) as bar:
            yield from bar

    try:
        report = enrich(db_path, cache_path, settings, refresh=refresh, imports=imports, progress=progress)
    except (RecordError, CacheError, TargetError) as exc:
        raise click.ClickException(str(exc)) from None
    for message in report.messages:
        click.echo(message, err=True)
    click.echo(f"{report.wanted} PMIDs wanted: {report.cached} already cached, {report.fetched} fetched, "
               f"{len(report.failed)} not fetched; {report.imported} imported; "
               f"{report.matched} PMIDs found by ECitMatch; {report.requests} requests to {settings.base_url}")
    for what, failures in (("PMIDs not fetched", report.failed), ("citations not matched", report.unmatched)):
        reasons: dict[str, int] = {}
        for reason in failures.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        for reason, count in sorted(reasons.items()):
            click.echo(f"  {count} {what}: {reason}", err=True)
    for what, unasked in (("PubMed records", report.unasked_pmids), ("ECitMatch answers", report.unasked_keys)):
        if unasked:
            click.echo(f"  {len(unasked)} {what} not asked for, dropped: {', '.join(unasked)}", err=True)
    if require_network and (report.failed or report.unmatched):
        raise click.ClickException(f"--require-network: {len(report.failed)} PMIDs and {len(report.unmatched)} "
                                   f"citations could not be fetched")


def _open(db_path: Path):
    """The KnowledgeBase at db_path, or one line saying what to do."""
    from .store.read import KnowledgeBase, NotAKnowledgeBase
    try:
        return KnowledgeBase.open(db_path)
    except NotAKnowledgeBase as exc:
        raise click.ClickException(str(exc)) from None


format_option = click.option("--format", "fmt", type=_LaterChoice(_Later(".store.present", "FORMATS")), default="table",
                             show_default=True)


@cli.command(name="query")
@click.argument("name", required=False)
@db_option
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A value for a :name parameter.")
@format_option
@click.option("--queries", "queries_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=DEFAULT_QUERIES, help="Folder of canned queries (the same files Datasette serves).")
def query_command(name, db_path, params, fmt, queries_dir):
    """Run canned query NAME from queries/; without NAME, list them."""
    from .store.present import render
    from .store.read import QueryError
    queries = load_queries(queries_dir)
    if name is None:
        for key, query in queries.items():
            needs = " ".join(f"-p {p}=..." for p in parameters(query["sql"]))
            click.echo(f"{key:38} {query.get('title', '')}" + (f"  [{needs}]" if needs else ""))
        return
    if name not in queries:
        raise click.ClickException(f"no canned query {name!r}; `kb query` lists them")
    values = dict(p.split("=", 1) for p in params if "=" in p)
    missing = [p for p in parameters(queries[name]["sql"]) if p not in values]
    if missing:
        raise click.ClickException(f"{name} needs {', '.join(f'-p {m}=...' for m in missing)}")
    with _open(db_path) as kb:
        try:
            columns, rows = kb.query(queries[name]["sql"], values)
        except QueryError as exc:
            raise click.ClickException(f"{name}: {exc}") from None
    click.echo(render(columns, rows, fmt), nl=False)


@cli.command(name="matrix")
@db_option
@format_option
def matrix_command(db_path, fmt):
    """The coverage matrix as a grid: an indication per row, a policy per column, statuses in the cells."""
    from .store.present import render
    with _open(db_path) as kb:
        click.echo(render(*kb.matrix(), fmt), nl=False)


@cli.command(name="registry")
@db_option
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
              default=_Later(".enrich.cache", "DEFAULT_REGISTRY_CACHE"), show_default=True,
              help="SQLite file holding fetched ClinicalTrials.gov records (outside build/).")
@click.option("--ctgov-url", help="ClinicalTrials.gov API v2 base URL [default: $KB_CTGOV_URL, else the registry's].")
@click.option("--refresh", is_flag=True, help="Fetch again even the records already cached.")
@click.option("--import", "imports", multiple=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A study saved from ClinicalTrials.gov as JSON (repeatable): loaded instead of fetched.")
@click.option("--require-network", is_flag=True, help="Exit non-zero when any record could not be fetched.")
def registry_command(db_path, cache_path, ctgov_url, refresh, imports, require_network):
    """Fetch the ClinicalTrials.gov record of every NCT id the policies and curated trials name (cached)."""
    from .enrich.cache import CacheError
    from .enrich.ctgov import CtgovSettings
    from .enrich.registry import fetch_registry
    from .enrich.study import StudyError
    from .store.atomic import TargetError
    _open(db_path).close()  # a knowledge base of this version, or one line saying what to do
    settings = CtgovSettings(base_url=ctgov_url) if ctgov_url else CtgovSettings()
    try:
        report = fetch_registry(db_path, cache_path, settings, refresh=refresh, imports=imports)
    except (StudyError, CacheError, TargetError) as exc:
        raise click.ClickException(str(exc)) from None
    for message in report.messages:
        click.echo(message, err=True)
    click.echo(f"{report.wanted} NCT ids wanted: {report.cached} already cached, {report.fetched} fetched, "
               f"{len(report.failed)} not fetched; {report.imported} imported; {report.requests} requests to "
               f"{settings.base_url}")
    _by_reason("not fetched", report.failed)
    for registry_id, place in sorted(report.not_ids.items()):
        click.echo(f"  {registry_id!r} ({place}) is not an NCT id (NCT and 8 digits); not asked for", err=True)
    if report.unasked:
        click.echo(f"  {len(report.unasked)} studies not asked for, dropped: {', '.join(report.unasked)}", err=True)
    if require_network and report.failed:
        raise click.ClickException(f"--require-network: {len(report.failed)} NCT ids could not be fetched")


def _by_reason(what: str, failures: dict[str, str]) -> None:
    """One line per reason, naming every identifier it holds for."""
    ids: dict[str, list[str]] = {}
    for identifier, reason in sorted(failures.items()):
        ids.setdefault(reason, []).append(identifier)
    for reason, which in ids.items():
        click.echo(f"  {len(which)} {what} ({', '.join(which)}): {reason}", err=True)


@cli.command(name="new-evidence")
@db_option
@click.option("--data", "data_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=DEFAULT_DATA, show_default=True, help="Folder whose curation/searches.yml holds the terms.")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
              default=_Later(".enrich.cache", "DEFAULT_CACHE"), show_default=True,
              help="The PubMed cache: searches and records are kept there.")
@click.option("--eutils-url", help="E-utilities base URL [default: $KB_EUTILS_URL, else NCBI's].")
@click.option("--refresh", is_flag=True, help="Search again even what was searched today.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="The day the searches run to [default: today].")
@click.option("--require-network", is_flag=True, help="Exit non-zero when any search could not run.")
def new_evidence_command(db_path, data_dir, cache_path, eutils_url, refresh, today, require_network):
    """Search PubMed, for each indication a policy covers, for RCTs, reviews and guidelines since its last review."""
    from .curation import CurationError, load_curation
    from .enrich import Settings
    from .enrich.cache import CacheError
    from .pipeline import new_evidence
    from .store.atomic import TargetError
    _open(db_path).close()  # a knowledge base of this version, or one line saying what to do
    settings = Settings(base_url=eutils_url) if eutils_url else Settings()
    try:
        searches = load_curation(data_dir / "curation").searches
        report = new_evidence(db_path, cache_path, settings, searches, (today or datetime.now()).date(),
                              refresh=refresh)
    except (CurationError, CacheError, TargetError) as exc:
        raise click.ClickException(str(exc)) from None
    for message in report.messages:
        click.echo(message, err=True)
    click.echo(f"{report.planned} searches (indication and review date): {report.run} run, {report.answered_today} "
               f"already run today, {len(report.failed)} could not run; {report.hits} hits: {report.cached} already "
               f"cached, {report.fetched} fetched, {len(report.fetch_failed)} not fetched; {report.requests} "
               f"requests to {settings.base_url}")
    _by_reason("searches could not run", report.failed)
    _by_reason("hits not fetched", report.fetch_failed)
    if report.no_terms:
        click.echo(f"  no search terms in {data_dir / 'curation' / 'searches.yml'} for: {', '.join(report.no_terms)}",
                   err=True)
    if require_network and (report.failed or report.fetch_failed):
        raise click.ClickException(f"--require-network: {len(report.failed)} searches could not run and "
                                   f"{len(report.fetch_failed)} hits could not be fetched")


@cli.command(name="since-review")
@click.argument("policy_id")
@db_option
@format_option
def since_review_command(policy_id, db_path, fmt):
    """What is new since POLICY's last review: new RCTs, reviews and guidelines, its trials' status, and what
    could not be searched (the canned query since_last_review)."""
    from .store.present import render
    query = load_queries(DEFAULT_QUERIES)["since_last_review"]
    with _open(db_path) as kb:
        summary = kb.since_review(policy_id)
        if summary is None:
            raise click.ClickException(f"no policy {policy_id!r}; one of {', '.join(p['id'] for p in kb.policies())}")
        columns, rows = kb.query(query["sql"], {"policy_id": policy_id})
    if fmt == "table":
        click.echo(f"{policy_id}: {summary['summary']}")
        click.echo(f"  last review: {summary['date_text']} ({summary['basis']}, line {summary['line_start']})"
                   if summary["review_date"] else "  the policy gives no review date")
    click.echo(render(columns, rows, fmt), nl=False)


@cli.command(name="cite")
@click.argument("query", required=False)
@db_option
@click.option("--style", type=_LaterChoice(_Later(".cite.formats", "STYLES")), default="ama", show_default=True)
@click.option("--format", "fmt", type=_LaterChoice(_Later(".cite.formats", "FORMATS")), default="text",
              show_default=True)
@click.option("--file", "batch", type=click.File("r"), help="A file of queries, one a line ('-' for stdin).")
def cite_command(query, db_path, style, fmt, batch):
    """Find a work by PMID, DOI, NCT id, trial name, 'Author Year' or words; cite it; show who cites it."""
    from .cite import describe, lookup
    if (query is None) == (batch is None):
        raise click.UsageError("give a QUERY or --file LIST")
    with _open(db_path) as kb:
        if query is not None:
            result = lookup(kb, query, style, fmt)
            click.echo("\n".join(describe(result, fmt)))
            if not result.found:
                sys.exit(1)
            return
        found = missing = 0
        items = []  # csljson: one array for the whole batch
        for number, line in enumerate(batch, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            result = lookup(kb, line, style, fmt)
            found, missing = found + result.found, missing + (not result.found)
            notes_only = fmt != "text"  # keep stdout a clean BibTeX / RIS / CSL-JSON stream
            click.echo(f"# line {number}: {line}", err=notes_only)
            lines = describe(result, fmt)
            if not result.found:
                click.echo("\n".join(lines), err=notes_only)
            elif fmt == "csljson":
                items += [json.loads(text) for text in lines]
            else:
                click.echo("\n".join(lines))
        if fmt == "csljson":
            click.echo(json.dumps(items, indent=2, ensure_ascii=False))
        click.echo(f"# {found + missing} queries: {found} found, {missing} not found", err=True)


@cli.command(name="export")
@db_option
@click.option("--format", "fmt", type=click.Choice(["turtle", "nt", "jsonld"]), default="turtle", show_default=True)
@click.option("-o", "--output", type=click.File("wb"), default="-", help="File to write [default: stdout].")
def export_command(db_path, fmt, output):
    """The knowledge base as RDF (CiTO, FaBiO, BIBO, DCTERMS, PROV-O, schema.org)."""
    from .rdf.mapping import build_rdf
    with _open(db_path) as kb:
        graph = build_rdf(kb.conn)
    output.write(graph.serialize(format={"jsonld": "json-ld"}.get(fmt, fmt), encoding="utf-8"))


@cli.command(name="sparql")
@click.argument("query")
@db_option
@format_option
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="Bind ?NAME to a literal.")
@click.option("--timeout", type=float, default=_Later(".rdf.sparql", "Limits.seconds"), show_default=True,
              help="Seconds before stopping.")
@click.option("--limit", type=int, default=_Later(".rdf.sparql", "Limits.rows"), show_default=True,
              help="Most rows returned.")
def sparql_command(query, db_path, fmt, params, timeout, limit):
    """Run a read-only SPARQL QUERY (text or a .rq file) over the knowledge base."""
    from .rdf.guard import check
    from .rdf.sparql import Limits, QueryRefused, formats, run, store_for
    from .store.present import render
    text = Path(query).read_text(encoding="utf-8") if query.endswith(".rq") and Path(query).is_file() else query
    limits = Limits(timeout, limit)
    try:
        wanted = {"table": "csv"}.get(fmt, fmt)
        if wanted not in formats(check(text, limits.query_bytes).form):
            wanted = "json"  # an ASK answer has no CSV form
        _open(db_path).close()  # a clear message when DB is not a knowledge base
        store = store_for(db_path)
        body, media_type, truncated = run(store, text, wanted, limits,
                                          dict(p.split("=", 1) for p in params if "=" in p))
    except QueryRefused as error:
        raise click.ClickException(str(error)) from None
    output = body.decode("utf-8")
    if fmt == "table" and media_type == "text/csv":
        rows = list(csv.reader(output.splitlines()))
        click.echo(render(rows[0], rows[1:]) if rows else "", nl=False)
    else:
        click.echo(output)
    if truncated:
        click.echo(f"(stopped at the row limit of {limit})", err=True)


@cli.command(name="serve")
@db_option
@click.option("--metadata", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=Path("metadata.yml"),
              show_default=True, help="Datasette metadata (descriptions, plugin settings).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--workers", type=int, default=os.cpu_count() or 1, show_default="one per core",
              help="Server processes.")
def serve_command(db_path, metadata, host, port, workers):
    """Serve the knowledge base in Datasette, with the reviewer pages and the SPARQL endpoint."""
    _open(db_path).close()  # a clear message now, rather than an error page per request
    from .serve import serve  # uvicorn is imported only to serve; Datasette only by its workers
    serve(db_path, metadata, host, port, workers)
