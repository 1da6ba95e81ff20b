"""Resolve: across policies, reference entries become works, and their disagreements anomalies."""
from __future__ import annotations

from .anomalies import find_anomalies
from .works import resolve_works


def resolve(tables: dict[str, list[dict]]) -> None:
    """Add the works and citation_anomalies tables, and link each reference to its work."""
    guideline_of = {g["reference_id"]: g for g in tables["guideline_mentions"] if g["reference_id"]}
    tables["works"] = resolve_works(tables["policy_references"], guideline_of)
    file_of = {p["id"]: p["file"] for p in tables["policies"]}
    where = {row["id"]: f"{file_of[row['policy_id']]}:{row['line_start']}"
             for name in ("policy_references", "citations") for row in tables[name]}
    tables["citation_anomalies"] = find_anomalies(tables["policy_references"], tables["citations"],
                                                  tables["citation_targets"], tables["works"], where)
