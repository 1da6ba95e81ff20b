"""Curated trials (data/curation/trials.yml) as rows, each quote located in its policy's text.

Finding the quote gives every curated fact a character span; a quote that is not on the line it
names is reported, so a drifting document or a typo in the curation cannot go unnoticed.
"""
from __future__ import annotations

from ..curation import Trial
from ..ingest import Problem
from ..text import line_offsets

TRIAL_FIELDS = ("name", "full_name", "design", "phase", "population", "intervention", "comparator", "patients",
                "lesions", "planned_enrollment", "registry_id")
RESULT_FIELDS = ("outcome", "time_point", "arm", "value", "unit", "n", "n_total", "p_value", "ci", "finding")


def locate(text_of: dict[str, str], offsets: dict[str, list[int]], policy: str, line: int, quote: str):
    """(char_start, char_end) of the quote on the line, or None when it is not there."""
    lines = text_of[policy].split("\n")
    if not 1 <= line <= len(lines):
        return None
    at = lines[line - 1].find(quote)
    if at < 0:
        return None
    start = offsets[policy][line - 1] + at
    return start, start + len(quote)


def trial_rows(trials: list[Trial], policies: list[dict], work_ids: set[str],
               trials_file: str) -> tuple[dict[str, list[dict]], list[Problem]]:
    """Rows for trials, trial_publications, trial_sources and trial_results; and what was not found.

    A publication naming a work the documents do not yield, or a source or result in a policy that
    was not loaded, is dropped with a warning at its line of trials_file; a quote not on its line
    is kept, with a warning at that line of the policy.
    """
    text_of = {p["id"]: p["text"] for p in policies}
    file_of = {p["id"]: p["file"] for p in policies}
    offsets: dict[str, list[int]] = {}  # only for the policies the curated trials quote
    tables = {"trials": [], "trial_publications": [], "trial_sources": [], "trial_results": []}
    problems = []

    def dropped(tid: str, item, what: str) -> None:
        problems.append(Problem("warning", "curated-link-missing", trials_file, item.defined_at,
                                f"trial {tid!r}: {what}; this entry is left out"))

    for trial in trials:
        tid = trial.id
        tables["trials"].append({"id": tid, **{f: getattr(trial, f) for f in TRIAL_FIELDS}})
        for p in trial.publications:
            if p.work in work_ids:
                tables["trial_publications"].append({"trial_id": tid, "work_id": p.work, "role": p.role})
            else:
                dropped(tid, p, f"publication {p.work!r} is not a work the policy documents cite")
        for kind, items in (("trial_sources", trial.sources), ("trial_results", trial.results)):
            for i, item in enumerate(items, start=1):
                if item.policy not in text_of:
                    dropped(tid, item, f"policy {item.policy!r} is not in the knowledge base")
                    continue
                if item.policy not in offsets:
                    offsets[item.policy] = line_offsets(text_of[item.policy].split("\n"))
                span = locate(text_of, offsets, item.policy, item.line, item.quote)
                if span is None:
                    problems.append(Problem("warning", "curated-quote-not-found", file_of[item.policy], item.line,
                                            f"{trials_file}:{item.defined_at} ({tid}): quote not on this line: "
                                            f"{item.quote[:60]!r}"))
                row = {"id": f"{tid}:{kind.split('_')[1][:-1]}:{i}", "trial_id": tid, "policy_id": item.policy,
                       "line_start": item.line, "line_end": item.line,
                       "char_start": span[0] if span else None, "char_end": span[1] if span else None,
                       "quote": item.quote}
                if kind == "trial_results":
                    row.update({f: getattr(item, f) for f in RESULT_FIELDS})
                tables[kind].append(row)
    return tables, problems
