"""Curated trials (data/curation/trials.yml) as rows, each quote located in its policy's text.

Finding the quote gives every curated fact a character span; a quote that is not on the line it
names is reported, so a drifting document or a typo in the curation cannot go unnoticed.
"""
from __future__ import annotations

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


def trial_rows(entries: list[dict], policies: list[dict]) -> tuple[dict[str, list[dict]], list[tuple]]:
    """Rows for trials, trial_publications, trial_sources and trial_results; and quotes not found."""
    text_of = {p["id"]: p["text"] for p in policies}
    offsets = {}
    for pid, text in text_of.items():
        starts, at = [], 0
        for line in text.split("\n"):
            starts.append(at)
            at += len(line) + 1
        offsets[pid] = starts
    tables = {"trials": [], "trial_publications": [], "trial_sources": [], "trial_results": []}
    missing = []
    for trial in entries:
        tid = trial["id"]
        tables["trials"].append({"id": tid, **{f: trial.get(f) for f in TRIAL_FIELDS}})
        tables["trial_publications"] += [{"trial_id": tid, "work_id": p["work"], "role": p["role"]}
                                         for p in trial["publications"]]
        for kind, items in (("trial_sources", trial["sources"]), ("trial_results", trial["results"])):
            for i, item in enumerate(items, start=1):
                span = locate(text_of, offsets, item["policy"], item["line"], item["quote"]) if item["policy"] in \
                    text_of else None
                if span is None:
                    missing.append((tid, item["policy"], item["line"], item["quote"]))
                row = {"id": f"{tid}:{kind.split('_')[1][:-1]}:{i}", "trial_id": tid, "policy_id": item["policy"],
                       "line_start": item["line"], "line_end": item["line"],
                       "char_start": span[0] if span else None, "char_end": span[1] if span else None,
                       "quote": item["quote"]}
                if kind == "trial_results":
                    row.update({f: item.get(f) for f in RESULT_FIELDS})
                tables[kind].append(row)
    return tables, missing
