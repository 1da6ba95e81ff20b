"""No position is lost unseen: across every test document, each sentence that states a coverage position is
a statement, or a problem row on its line."""
from __future__ import annotations

import pytest

from kb.ingest import DocumentError, coverage_problems, parse_document
from kb.ingest.markup import clean
from kb.ingest.positions import positions_in, sentences
from kb.ingest.vocabulary import default_vocabulary

from .conftest import DATA, FIXTURES

DOCUMENTS = sorted((DATA / "policies").glob("*.txt")) + sorted(FIXTURES.glob("*.txt")) + sorted(
    FIXTURES.glob("*/*.txt"))
UNSCANNED = {"references", "history", "codes"}  # quoted past positions, code notes, citations


def _kind_of_line(policy, line: int) -> str:
    inner = max((s for s in policy.sections if s.span.line_start <= line <= s.span.line_end),
                key=lambda s: s.span.line_start)
    return inner.kind


def _position_lines(policy) -> set[int]:
    """Lines holding a sentence that names a status and says it is had, found line by line from the text."""
    vocab = default_vocabulary()
    headings = {s.span.line_start for s in policy.sections if s.number}
    found = set()
    for number, line in enumerate(policy.document.lines, start=1):
        if line.strip() and number not in headings and _kind_of_line(policy, number) not in UNSCANNED:
            if any(positions_in(s, vocab) for s in sentences(clean(line))):
                found.add(number)
    return found


def _statement_lines(policy) -> set[int]:
    """Lines of the statements, their criteria, and the sentences opening a list of them."""
    spans = [s.span for s in policy.statements] + [c.span for s in policy.statements for c in s.criteria]
    lines = {n for span in spans for n in range(span.line_start, span.line_end + 1)}
    leads = {s.lead_in[:40] for s in policy.statements if s.lead_in}
    return lines | {n for n, line in enumerate(policy.document.lines, start=1)
                    if any(lead in clean(line) for lead in leads)}


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_position_is_a_statement_or_a_problem_row(bodies, path):
    try:
        policy = parse_document(path, path.name, bodies)
    except DocumentError:
        pytest.skip("a document the tests have refused on purpose")
    rows = {p.line for p in coverage_problems(policy)}
    assert _position_lines(policy) - _statement_lines(policy) - rows == set()
    assert len(coverage_problems(policy)) == sum(s.outcome != "statement" for s in policy.coverage_sentences)


def test_the_check_can_fail(bodies):
    """A position in a section the parser does not read as policy, with its problem rows taken away, is caught."""
    policy = parse_document(FIXTURES / "payers" / "humana.txt", "humana.txt", bodies)
    assert 27 in _position_lines(policy) - _statement_lines(policy)
    assert [p.line for p in coverage_problems(policy)] == [27]
