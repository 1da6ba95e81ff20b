"""The five seeds re-laid out (tests/relayout.py) extract exactly what they extract as published; so do the
payer-family test documents, but for the layouts that remain weak for them (marked, and checked to fail)."""
from __future__ import annotations

import dataclasses

import pytest

from kb.ingest import parse_document
from kb.ingest.markup import clean

from .conftest import DATA, FIXTURES
from .relayout import LAYOUTS

SEEDS = sorted((DATA / "policies").glob("*.txt"))
PAYERS = sorted((FIXTURES / "payers").glob("*.txt"))
WEAK = {  # layouts a test document does not survive yet, and why
    ("wrapped", "humana.txt"): "unnumbered references on consecutive lines: an entry whose last line ends full "
                               "width runs on into the next",
    ("numbered", "nice.txt"): "headings numbered over their own numbers (\"4. 2 The condition\") read as list items",
}
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
        "codes": [{**_fields(c), "status_text": _plain(c.status_text or "").casefold()} for c in policy.codes],
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
    return {path.name: extraction(parse_document(path, path.name, bodies)) for path in SEEDS + PAYERS}


def _cases():
    for path in SEEDS + PAYERS:
        for layout in sorted(LAYOUTS):
            weak = WEAK.get((layout, path.name))
            yield pytest.param(path, layout, id=f"{path.name}-{layout}",
                               marks=[pytest.mark.xfail(reason=weak, strict=True)] if weak else [])


@pytest.mark.parametrize("path, layout", list(_cases()))
def test_the_same_words_in_another_layout_extract_the_same(tmp_path, bodies, published, path, layout):
    relaid = tmp_path / path.name
    relaid.write_bytes(LAYOUTS[layout](path.read_text(encoding="utf-8")).encode("utf-8"))
    got = extraction(parse_document(relaid, path.name, bodies))
    for part, records in published[path.name].items():
        assert got[part] == records, part
