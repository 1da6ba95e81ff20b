"""Resolve: across policies, reference entries become works, and their disagreements anomalies."""
from __future__ import annotations

from ..curation import Curation
from ..ingest import Problem
from .anomalies import find_anomalies
from .guidelines import resolve_guidelines
from .indications import indication_rows, map_statements
from .reviews import review_rows
from .trials import trial_rows
from .works import resolve_works


def resolve(parsed: dict[str, list[dict]], curation: Curation, trials_file: str, in_place: bool = False
            ) -> tuple[dict[str, list[dict]], list[Problem]]:
    """The parsed tables with works, anomalies, indications, guidelines, trials and each policy's last review
    added and linked.

    Returns new tables (the rows it links are copies; with in_place, the parsed rows themselves, which spares
    a build a second copy of every reference) and what the curated trials do not find.
    """
    linked = ("policy_references", "guideline_mentions", "guideline_recommendations")
    tables = {**parsed, **({} if in_place else {name: [dict(row) for row in parsed[name]] for name in linked})}
    tables["indications"] = indication_rows(curation.indications)
    tables["statement_indications"] = map_statements(tables["statements"], curation.indications)
    guideline_of = {g["reference_id"]: g for g in tables["guideline_mentions"] if g["reference_id"]}
    tables["works"] = resolve_works(tables["policy_references"], guideline_of)
    file_of = {p["id"]: p["file"] for p in tables["policies"]}
    where = {row["id"]: f"{file_of[row['policy_id']]}:{row['line_start']}"
             for name in ("policy_references", "citations") for row in tables[name]}
    tables["citation_anomalies"] = find_anomalies(tables["policy_references"], tables["citations"],
                                                  tables["citation_targets"], tables["works"], where)
    tables["guidelines"] = resolve_guidelines(tables)
    tables["policy_reviews"] = review_rows(tables["policies"], tables["policy_fields"], tables["policy_history"])
    trials, problems = trial_rows(curation.trials, tables["policies"], {w["id"] for w in tables["works"]},
                                  trials_file)
    return {**tables, **trials}, problems
