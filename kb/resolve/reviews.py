"""Each policy's last review: the date from which newer evidence is "new since review", and where it is written.

Read from the document, in this order:
1. a history entry saying the literature was reviewed "through" a date (the latest such date):
   the literature the review saw, so anything later is new to it;
2. a front-matter field naming the last or annual review ("Last Review", "Annual Review Date");
3. the latest dated history entry: the last time the issuer revised the policy.
A policy with none of these has no review date, and nothing is searched for it.
"""
from __future__ import annotations

import re
from collections import defaultdict

from ..ingest.dates import find_dates

_THROUGH = re.compile(r"literature review through\s+", re.I)
_REVIEW_FIELD = re.compile(r"\b(?:last|annual) review", re.I)


def _through(entry: dict) -> tuple[str, str] | None:
    """(ISO date, as written) of the date a history entry says the literature was reviewed through."""
    match = _THROUGH.search(entry["text"])
    found = find_dates(entry["text"][match.end():]) if match else []
    if not found or found[0][0] != 0:
        return None
    start, end, iso = found[0]
    return iso, entry["text"][match.end() + start:match.end() + end]


def review_rows(policies: list[dict], fields: list[dict], history: list[dict]) -> list[dict]:
    """One row per policy: review_date (ISO, as precise as written), date_text, basis, text, line_start, line_end."""
    rows = []
    dated: dict[str, list[dict]] = defaultdict(list)  # each policy's dated history entries, in order
    for h in history:
        if h["date"]:
            dated[h["policy_id"]].append(h)
    labelled_in: dict[str, list[dict]] = defaultdict(list)  # each policy's dated review fields, in order
    for f in fields:
        if f["date"] and _REVIEW_FIELD.search(f["label"]):
            labelled_in[f["policy_id"]].append(f)
    for policy in sorted(policies, key=lambda p: p["id"]):
        pid = policy["id"]
        entries = dated.get(pid, [])
        through = [(found, h) for h in entries if (found := _through(h))]
        labelled = labelled_in.get(pid, [])
        row = {"policy_id": pid, "review_date": None, "date_text": None,
               "basis": "no review date in the document", "text": None, "line_start": None, "line_end": None}
        if through:
            (date, written), entry = max(through, key=lambda t: t[0][0])
            row.update(review_date=date, date_text=written, basis="literature review through (history)",
                       text=entry["text"], line_start=entry["line_start"], line_end=entry["line_end"])
        elif labelled:
            field = max(labelled, key=lambda f: f["date"])
            row.update(review_date=field["date"], date_text=field["value"], basis=f"{field['label']} field",
                       text=f"{field['label']}: {field['value']}", line_start=field["line_start"],
                       line_end=field["line_end"])
        elif entries:
            entry = max(entries, key=lambda h: h["date"])
            row.update(review_date=entry["date"], date_text=entry["date_text"], basis="latest history entry",
                       text=entry["text"], line_start=entry["line_start"], line_end=entry["line_end"])
        rows.append(row)
    return rows
