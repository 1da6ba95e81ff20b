"""Map coverage statements onto the curated indication vocabulary (data/curation/indications.yml).

A statement's indication as worded is matched against each entry's patterns, after removing
phrases that exclude a site ("outside the liver and prostate"), so the sites a statement names
as exceptions do not count as what it covers. One statement may name several indications.
"""
from __future__ import annotations

import re

from ..curation import Indication

_EXCLUSION = re.compile(r"\boutside (?:of )?(?:the )?\w+(?:,? (?:and|or) (?:the )?\w+)?", re.I)


def indication_rows(entries: list[Indication]) -> list[dict]:
    return [{"id": e.id, "label": e.label, "mesh_id": e.mesh.id if e.mesh else None,
             "mesh_heading": e.mesh.heading if e.mesh else None, "mesh_note": e.mesh_note,
             "icd10": e.icd10, "broader_id": e.broader} for e in entries]


def map_statements(statements: list[dict], entries: list[Indication]) -> list[dict]:
    compiled = [(e.id, [re.compile(p, re.I) for p in e.patterns]) for e in entries]
    rows = []
    for statement in statements:
        text = _EXCLUSION.sub(" ", statement["indication"] or "")
        for indication_id, patterns in compiled:
            match = next((m for m in (p.search(text) for p in patterns) if m), None)
            if match:
                rows.append({"statement_id": statement["id"], "indication_id": indication_id,
                             "matched_text": match.group(0)})
    return rows
