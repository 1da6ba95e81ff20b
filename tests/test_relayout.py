"""The five seeds re-laid out (tests/relayout.py) extract exactly what they extract as published."""
from __future__ import annotations

import dataclasses

import pytest

from kb.ingest import parse_document
from kb.ingest.markup import clean

from .conftest import DATA
from .relayout import LAYOUTS

SEEDS = sorted((DATA / "policies").glob("*.txt"))
LAYOUT_NOTES = {"page-furniture", "text-normalised", "text-hard-wrapped"}  # what a layout itself makes the parser note


def _plain(value):
    return " ".join(clean(value).split()) if isinstance(value, str) else value


def _fields(record, leave_out=("span", "section", "raw", "position")) -> dict:
    return {f.name: _value(getattr(record, f.name)) for f in dataclasses.fields(record) if f.name not in leave_out}


def _value(value):
    if dataclasses.is_dataclass(value):
        return _fields(value)
    if isinstance(value, list):
        return [_value(v) for v in value]
    return _plain(value)


def extraction(policy) -> dict:
    """What a reviewer reads from a policy, without where it stands (lines move when the layout changes)."""
    return {
        "statements": [{**_value(s), "line_of_business": _plain(s.line_of_business or "").casefold()}
                       for s in policy.statements],  # a heading's words, in capitals in one layout
        "codes": [_fields(c) for c in policy.codes],
        "code_notes": [_fields(n) for n in policy.code_notes],
        "references": [_fields(r) for r in policy.references],
        "citations": [_fields(c) for c in policy.citations],
        "guidelines": [_fields(g, ("span", "section", "reference_position")) for g in policy.guidelines],
        "trials": [_fields(t) for t in policy.trials],
        "history": [_fields(h) for h in policy.history],
        "problems": sorted((p.severity, p.code) for p in policy.problems if p.code not in LAYOUT_NOTES),
    }


@pytest.fixture(scope="module")
def published(bodies):
    return {path.name: extraction(parse_document(path, path.name, bodies)) for path in SEEDS}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("seed", [p.name for p in SEEDS])
def test_the_same_words_in_another_layout_extract_the_same(tmp_path, bodies, published, seed, layout):
    path = tmp_path / seed
    path.write_bytes(LAYOUTS[layout]((DATA / "policies" / seed).read_text(encoding="utf-8")).encode("utf-8"))
    got = extraction(parse_document(path, seed, bodies))
    for part, records in published[seed].items():
        assert got[part] == records, part
