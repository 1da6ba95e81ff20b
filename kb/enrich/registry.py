"""Trial registry status: the ClinicalTrials.gov record of every NCT id the knowledge base names.

    report = fetch_registry(Path("build/kb.db"), Path("data/ctgov-cache.sqlite"), CtgovSettings())

The ids are those the policies list (registered_trials) and the curated trials give (trials.yml).
Ids already cached are not asked for again (unless refresh); the rest are asked for in batches,
and an id a batch does not answer is asked for alone, so that "no such study" (404) is told apart
from a lost answer. Only studies asked for are cached, each batch in one transaction; a study
that cannot be read is reported and asked for again next run. Saved JSON (a study, a page of
studies, or a list) can be imported instead of fetched. Nothing the knowledge base holds is lost:
studies it holds that the cache lacks are kept.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from ..store.atomic import atomic_database
from .cache import RegistryCache
from .ctgov import CtgovClient, CtgovError, CtgovSettings
from .study import NCT_ID, STUDY_PAGE, StudyError, own_id, parse_json, read_study, studies_in

REGISTRY_TABLES = ("registry_studies", "registry_publications")


@dataclass
class RegistryReport:
    wanted: int = 0
    cached: int = 0
    fetched: int = 0
    imported: int = 0
    requests: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # NCT id -> why it was not fetched
    not_ids: dict[str, str] = field(default_factory=dict)  # a registry id that is no NCT id -> where it stands
    unasked: list[str] = field(default_factory=list)  # studies an answer held that no one asked for
    messages: list[str] = field(default_factory=list)


def named_ids(db: sqlite_utils.Database) -> dict[str, str]:
    """Every registry id the knowledge base names, with the first place that names it."""
    found: dict[str, str] = {}
    for row in db.query("""select r.nct_id as id, p.file || ':' || r.line_start as place
                           from registered_trials r join policies p on p.id = r.policy_id
                           where r.nct_id is not null
                           union all
                           select registry_id, 'data/curation/trials.yml: trial ' || id from trials
                           where registry_id is not null order by 1, 2"""):
        found.setdefault(row["id"].strip().upper(), row["place"])
    return found


def import_studies(cache: RegistryCache, paths: Iterable[Path]) -> int:
    """Load study records saved from ClinicalTrials.gov (JSON) into the cache; returns studies imported.
    A file with anything that is not a readable study is refused whole."""
    count = 0
    for path in paths:
        try:
            found = studies_in(parse_json(path.read_bytes(), str(path)), str(path))
            studies = {read_study(study)["nct_id"]: json.dumps(study, ensure_ascii=False) for study in found}
        except StudyError as exc:
            raise StudyError(exc.args[0] if str(exc).startswith(str(path)) else f"{path}: {exc}") from None
        cache.put_studies(studies, f"import:{path.name}")
        count += len(studies)
    return count


def _taken(study, asked: set[str]) -> tuple[str | None, str | None]:
    """(the id asked for that this study answers, or None; why it cannot be read, or None)."""
    try:
        fields = read_study(study)
    except StudyError as exc:
        nct = own_id(study)
        return (nct if nct in asked else None), str(exc)
    answers = [i for i in [fields["nct_id"], *fields["aliases"]] if i in asked]
    return (answers[0] if answers else None), None


def fetch_registry(db_path: Path, cache_path: Path, settings: CtgovSettings, refresh: bool = False,
                   imports: Iterable[Path] = (), client: CtgovClient | None = None,
                   progress: Callable[[Iterable], Iterable] = lambda batches: batches) -> RegistryReport:
    """Fetch, cache and apply ClinicalTrials.gov records of every NCT id the knowledge base names."""
    report = RegistryReport()
    db = sqlite_utils.Database(db_path)
    named = named_ids(db)
    db.close()
    report.not_ids = {i: place for i, place in named.items() if not NCT_ID.fullmatch(i)}
    wanted = sorted(set(named) - set(report.not_ids))
    report.wanted = len(wanted)
    with RegistryCache(cache_path) as cache:
        report.imported = import_studies(cache, imports)
        held = _answered(cache.cached(), wanted)
        todo = wanted if refresh else [i for i in wanted if i not in held]
        report.cached = report.wanted - len(todo)
        if todo:
            client = client or CtgovClient(settings)
            batches = [todo[i:i + settings.batch_size] for i in range(0, len(todo), settings.batch_size)]
            for batch in progress(batches):
                _fetch_batch(client, cache, batch, report)
            report.requests = client.requests
            report.messages += client.notes
    with atomic_database(db_path, start_from=db_path) as db:
        report.messages += apply_registry(db, cache_path)
    return report


def _fetch_batch(client: CtgovClient, cache: RegistryCache, batch: list[str], report: RegistryReport) -> None:
    """One batch: asked together, then each id the answer lacks asked alone."""
    asked, missing = set(batch), set(batch)
    try:
        for url, studies in client.studies(batch):
            records = {}
            for study in studies:
                nct, unreadable = _taken(study, asked)
                if nct is None:  # not asked for; or unreadable and unplaceable, so its id is asked for alone
                    report.unasked += [] if unreadable else [own_id(study)]
                    continue
                missing.discard(nct)
                if unreadable:
                    report.failed[nct] = (f"ClinicalTrials.gov's record cannot be read ({unreadable}); "
                                          f"asked for again next run")
                else:
                    records[own_id(study)] = json.dumps(study, ensure_ascii=False)
            cache.put_studies(records, url)
            report.fetched += len(records)
    except CtgovError as exc:  # the ids no page answered yet
        report.failed.update({nct: str(exc) for nct in missing})
        return
    for nct in sorted(missing):
        try:
            study, url = client.study(nct)
        except CtgovError as exc:
            report.failed[nct] = str(exc)
            continue
        if study is None:
            report.failed[nct] = f"ClinicalTrials.gov has no study {nct} (HTTP 404 at {url})"
            continue
        taken, unreadable = _taken(study, {nct})
        if taken is None or unreadable:
            report.failed[nct] = (f"ClinicalTrials.gov's record cannot be read ({unreadable}); asked for again next run"
                                  if unreadable else f"ClinicalTrials.gov answered {own_id(study)} for {nct}")
            continue
        cache.put_studies({own_id(study): json.dumps(study, ensure_ascii=False)}, url)
        report.fetched += 1


def _answered(bodies: dict[str, str], wanted: Iterable[str]) -> set[str]:
    """The wanted ids a readable cached study answers: its own id, or an alias merged into it."""
    found = set()
    for body in bodies.values():
        try:
            fields = read_study(parse_json(body, "cached study"))
        except StudyError:  # asked for again
            continue
        found |= {fields["nct_id"], *fields["aliases"]}
    return found & set(wanted)


def apply_registry(db: sqlite_utils.Database, cache_path: Path) -> list[str]:
    """Write registry_studies and registry_publications from the cache (keeping studies the knowledge base
    holds that the cache lacks); return messages."""
    messages, rows = [], {name: [] for name in REGISTRY_TABLES}
    named = set(named_ids(db))
    works = {row["pmid"]: row["id"] for row in db.query("select id, pmid from works where pmid is not null")}
    entries = []
    if cache_path.exists():
        with RegistryCache(cache_path) as cache:
            entries = cache.studies()
    for nct, body, fetched_at, request in entries:
        try:
            fields = read_study(parse_json(body, "cached study"))
        except StudyError as exc:
            messages.append(f"{cache_path}: cached study {nct} cannot be read: {exc}")
            continue
        for named_as in [fields["nct_id"], *(a for a in fields["aliases"] if a in named)]:
            rows["registry_studies"].append(_study_row(named_as, fields, fetched_at, request))
            rows["registry_publications"] += [{"nct_id": named_as, "pmid": p["pmid"], "type": p["type"],
                                               "citation": p["citation"], "work_id": works.get(p["pmid"])}
                                              for p in fields["publications"]]
    have = {row["nct_id"] for row in rows["registry_studies"]}
    kept = [row for row in db.query("select * from registry_studies") if row["nct_id"] not in have]
    if kept:
        messages.append(f"kept from the knowledge base: {len(kept)} ClinicalTrials.gov studies that {cache_path} "
                        f"does not hold")
        rows["registry_studies"] += kept
        ids = [row["nct_id"] for row in kept]
        rows["registry_publications"] += list(db.query(
            f"select * from registry_publications where nct_id in ({','.join('?' * len(ids))})", ids))
    for name in REGISTRY_TABLES:
        db[name].delete_where()
        db[name].insert_all(rows[name], batch_size=500)
    return messages


def _study_row(nct: str, fields: dict, fetched_at: str, request: str) -> dict:
    return {"nct_id": nct, "registry_nct_id": fields["nct_id"],
            **{key: fields[key] for key in ("title", "acronym", "overall_status", "why_stopped", "enrollment",
                                            "enrollment_type", "primary_completion_date", "primary_completion_type",
                                            "completion_date", "completion_type", "results_first_posted",
                                            "last_update_posted", "status_verified")},
            "has_results": int(fields["has_results"]), "url": STUDY_PAGE + fields["nct_id"],
            "request": request, "fetched_at": fetched_at}
