"""A lookup as the lines `kb cite` prints: the citations, and in text form where the policies cite them."""
from __future__ import annotations


def describe(result, fmt: str) -> list[str]:
    """The lines for one Lookup in a format: text for reading, else the citations alone (BibTeX, RIS, CSL-JSON)."""
    if not result.found:
        lines = [f"{result.query}: not found"]
        if result.suggestions:
            lines += ["  did you mean:"] + [f"    {s['label'][:100]}  [{s['id']}]" for s in result.suggestions]
        else:
            lines.append("  nothing close; try a PMID, DOI, NCT id, trial name, 'Author Year' or words of the title")
        return lines
    if fmt != "text":
        return [r["citation"] for r in result.results if r["citation"]]
    lines = [f"{result.query}: {len(result.results)} found (read as {result.matched_as})"]
    for r in result.results:
        if r["citation"] is None:
            lines += [f"  trial {r['trial_id']} ({r['trial']['registry_id'] or 'no registry id'}): {r['note']}"]
        else:
            lines += [f"  [{r['work_id']}] {r['citation']}", f"    fields from: {r['fields_from']}"]
            if r["authors_truncated"]:
                lines.append('    the policies cut the author list with "et al"; `kb enrich` adds the full list')
            if r["trials"]:
                lines.append(f"    reports trial: {', '.join(r['trials'])}")
        lines += [_place(place) for place in r["cited_by"]]
        lines += [f"    statement resting on it: {s['policy_id']}: {s['indication']} — {s['status']} "
                  f"(line {s['line_start']})" for s in r["statements"]]
    return lines


def _place(place: dict) -> str:
    """One place citing the work: a reference entry (and its in-text citation), or a passage on a trial."""
    where = f"    cited by {place['policy_id']}"
    if "reference_number" not in place:
        return where + f" (line {place['line_start']})"
    where += f" #{place['reference_number']} (line {place['reference_line']})"
    if place.get("marker"):
        where += f"; {place['marker']} in {place['cited_in_section']}, line {place['citation_line']}"
    return where
