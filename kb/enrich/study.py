"""ClinicalTrials.gov study records (API v2 JSON) into plain dicts: what a reviewer asks of a trial.

Read: the overall status (and why it stopped), enrollment and whether that count is actual or
estimated, primary completion and completion dates (each actual or estimated), whether results
are posted and since when, and the publications the record links (PMIDs, by type). Anything
else in the record is kept in the cache as fetched, unread.
"""
from __future__ import annotations

import json
import re

from .http import Unreadable

NCT_ID = re.compile(r"NCT\d{8}")
STUDY_PAGE = "https://clinicaltrials.gov/study/"


class StudyError(Unreadable):
    """A ClinicalTrials.gov answer or saved file that is not a study record we can read."""


def _get(node: dict, *path: str):
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def own_id(study) -> str:
    """The study's own NCT id as the record gives it ("None" when it gives none); read_study's nct_id once the
    record reads."""
    return str(_get(study, "protocolSection", "identificationModule", "nctId"))


def _typed(value, kind: type, what: str, nct: str):
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool)):
        raise StudyError(f"{nct}: {what} is {value!r}, not {kind.__name__}")
    return value


def _date(module: dict, key: str, nct: str) -> tuple[str | None, str | None]:
    """(date, ACTUAL or ESTIMATED) of a date struct, as precise as the registry gives it."""
    struct = module.get(key) or {}
    date = _typed(struct.get("date"), str, key, nct)
    if date is not None and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date):
        raise StudyError(f"{nct}: {key} is {date!r}, not a date")
    return date, struct.get("type")


def read_study(study) -> dict:
    """The fields of one study (a parsed JSON object); StudyError if it is not a readable study."""
    if not isinstance(study, dict):
        raise StudyError(f"expected a study object, found {type(study).__name__}")
    nct = _get(study, "protocolSection", "identificationModule", "nctId")
    if not isinstance(nct, str) or not NCT_ID.fullmatch(nct):
        raise StudyError(f"a study without an NCT id (protocolSection.identificationModule.nctId is {nct!r})")
    ident = study["protocolSection"]["identificationModule"]
    status = _get(study, "protocolSection", "statusModule") or {}
    enrollment = _get(study, "protocolSection", "designModule", "enrollmentInfo") or {}
    if not status.get("overallStatus"):
        raise StudyError(f"{nct}: no overall status (protocolSection.statusModule.overallStatus)")
    primary, primary_type = _date(status, "primaryCompletionDateStruct", nct)
    completion, completion_type = _date(status, "completionDateStruct", nct)
    references = _get(study, "protocolSection", "referencesModule", "references") or []
    return {
        "nct_id": nct,
        "aliases": [a for a in ident.get("nctIdAliases") or [] if isinstance(a, str)],
        "title": ident.get("briefTitle"),
        "acronym": ident.get("acronym"),
        "overall_status": _typed(status["overallStatus"], str, "overallStatus", nct),
        "why_stopped": status.get("whyStopped"),
        "enrollment": _typed(enrollment.get("count"), int, "enrollmentInfo.count", nct),
        "enrollment_type": enrollment.get("type"),
        "primary_completion_date": primary, "primary_completion_type": primary_type,
        "completion_date": completion, "completion_type": completion_type,
        "has_results": bool(_typed(study.get("hasResults"), bool, "hasResults", nct)),
        "results_first_posted": _date(status, "resultsFirstPostDateStruct", nct)[0],
        "last_update_posted": _date(status, "lastUpdatePostDateStruct", nct)[0],
        "status_verified": status.get("statusVerifiedDate"),
        "publications": [{"pmid": r["pmid"], "type": r.get("type"), "citation": r.get("citation")}
                         for r in references if isinstance(r, dict) and str(r.get("pmid", "")).isdigit()],
    }


def parse_json(text: bytes | str, what: str):
    """JSON of an answer or file; StudyError (so a truncated answer is retried) if it does not parse."""
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise StudyError(f"{what}: JSON does not parse ({exc}); it may be cut short") from None


def studies_in(document, what: str) -> list[dict]:
    """The study objects of a single study (as /studies/{nct} answers), a page (as /studies answers,
    {"studies": [...]}) or a list of studies (as saved from a search)."""
    if isinstance(document, dict) and "studies" in document and "protocolSection" not in document:
        document = document["studies"]
    found = document if isinstance(document, list) else [document]
    if not found:
        raise StudyError(f"{what}: no studies in it")
    return found
