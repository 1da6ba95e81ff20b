"""Each payer family's test document (tests/fixtures/payers/) extracts exactly what the YAML beside it says."""
from __future__ import annotations

import pytest
import yaml

from kb.ingest import parse_document

from .conftest import FIXTURES

PAYERS = FIXTURES / "payers"
FAMILIES = sorted(p.stem for p in PAYERS.glob("*.txt"))


def _drop_none(values: dict) -> dict:
    return {k: v for k, v in values.items() if v not in (None, [], {})}


def _threshold(t) -> str:
    return f"{t.comparator} {t.value:g}" + (f" {t.unit}" if t.unit else "")


def extraction(policy) -> dict:
    """The records of a policy in the form its YAML gives them: what a reviewer checks, with lines."""
    coverage: dict[str, list[int]] = {}
    for sentence in policy.coverage_sentences:
        if sentence.outcome != "statement":
            coverage.setdefault(sentence.outcome, []).append(sentence.span.line_start)
    return _drop_none({
        "title": policy.title,
        "statements": [_drop_none({
            "line": s.span.line_start, "status": s.status, "wording": s.status_text, "indication": s.indication,
            "logic": s.logic, "line_of_business": s.line_of_business,
            "criteria": [_drop_none({"label": c.label, "text": c.text, "parent": c.parent, "connective": c.connective,
                                     "logic": c.logic, "limits": [_threshold(t) for t in c.thresholds]})
                         for c in s.criteria]}) for s in policy.statements],
        "codes": [" ".join(filter(None, (c.system, c.code, c.status))) for c in policy.codes],
        "code_notes": [f"{n.system}: {n.note}" for n in policy.code_notes],
        "references": [_drop_none({"number": r.number, "first_author": r.first_author, "year": r.year,
                                   "title": r.title, "journal": r.journal, "pmid": r.pmid, "doi": r.doi,
                                   "accessed": r.accessed}) for r in policy.references],
        "citations": [f"{c.marker} -> {', '.join(map(str, c.numbers))}" for c in policy.citations],
        "coverage": coverage,
        "warnings": [f"{p.code} {p.line}" for p in policy.problems if p.severity != "info"],
    })


@pytest.fixture(scope="module")
def parsed(bodies):
    return {name: parse_document(PAYERS / f"{name}.txt", f"{name}.txt", bodies) for name in FAMILIES}


def expected(name: str) -> dict:
    data = yaml.safe_load((PAYERS / f"{name}.yml").read_text(encoding="utf-8"))
    data.pop("family")
    return data


def test_at_least_ten_families_each_labelled_as_written_for_the_tests():
    assert len(FAMILIES) >= 10
    for name in FAMILIES:
        first = (PAYERS / f"{name}.txt").read_text(encoding="utf-8").split("\n", 1)[0]
        assert "written for cryo-kb" in first and "Not a published" in first, name


@pytest.mark.parametrize("name", FAMILIES)
def test_each_family_extracts_exactly_what_its_yaml_says(parsed, name):
    got, want = extraction(parsed[name]), expected(name)
    for part in sorted(set(got) | set(want)):
        assert got.get(part) == want.get(part), part
