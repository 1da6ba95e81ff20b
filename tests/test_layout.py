"""Layout rules, one small fixture each (tests/fixtures/layout/): page furniture, hard-wrapped lines,
headings known by their form, typography read plain."""
from __future__ import annotations

import pytest

from kb.ingest import parse_document
from kb.ingest.document import Document
from kb.ingest.layout import read_layout

from .conftest import FIXTURES

LAYOUT = FIXTURES / "layout"


@pytest.fixture(scope="module")
def parse(bodies):
    return lambda name: parse_document(LAYOUT / name, name, bodies)


def test_running_header_and_page_numbers_are_furniture_and_wrapped_lines_join(parse):
    policy = parse("wrapped_with_furniture.txt")
    assert [(p.code, p.line) for p in policy.problems] == [("page-furniture", 12), ("text-hard-wrapped", 1)]
    first, second = policy.statements
    assert (first.indication, first.status, first.span.line_start, first.span.line_end) == (
        "a renal mass", "medically necessary", 7, 8)
    assert [(c.label, c.text, c.connective, c.span.line_start, c.span.line_end) for c in first.criteria] == [
        (None, "no more than 3 cm in size", None, 7, 8),
        ("1", "The individual has one kidney or renal insufficiency defined by a glomerular filtration rate of "
              "less than 60 mL/min per m2", "or", 9, 10),
        ("2", "The individual is not a surgical candidate", None, 11, 11)]
    # the page's footer and header stand between the statement's first words and its last
    assert (second.indication, second.span.line_start, second.span.line_end) == (
        "all other tumors of the kidney, including tumors in individuals who are surgical candidates", 14, 15)
    citation = policy.citations[0]
    assert (citation.marker, citation.span.line_start, citation.sentence) == (
        "[1,2]", 22, "Two cohort studies of cryoablation of small renal masses reported local control above 90% at "
                     "five years")


def test_a_year_at_the_start_of_a_wrapped_line_is_no_reference_number(parse):
    refs = parse("wrapped_with_furniture.txt").references
    assert [(r.number, r.first_author, r.year, r.pmid, r.span.line_start, r.span.line_end) for r in refs] == [
        (1, "Doe", 2019, "10000001", 26, 27), (2, "Poe", 2021, "10000002", 28, 30)]
    assert refs[0].title == "Cryoablation of small renal masses in a regional cohort"
    assert refs[1].doi == "10.9999/tr.2021.0002"


def test_furniture_needs_counting_pages_or_even_spacing():
    page = ["Text of the page that runs on."] * 12
    numbered = [line for n in range(1, 4) for line in page + [f"Page {n} of 3"]]
    assert read_layout(numbered).furniture == [13, 26, 39]
    pmids = [line for n in range(1, 4) for line in page + [f"PMID {10000000 + 7 * n}"]]
    assert read_layout(pmids).furniture == []  # alike but for a number that does not count pages
    headings = page[:5] + ["Systematic Reviews"] + page[:9] + ["Systematic Reviews"] + page[:3] + [
        "Systematic Reviews"] + page + ["Systematic Reviews"]
    assert read_layout(headings).furniture == []  # recurring, but not as pages do


def test_unwrapped_text_is_read_line_by_line_as_written():
    lines = ["A paragraph of medium length that ends here.", "Another line directly under it."] * 10
    layout = read_layout(lines)
    assert layout.width is None and len(layout.logical) == 20


def test_headings_by_form_without_markup(parse):
    policy = parse("headings_by_form.txt")
    assert [(s.heading, s.level, s.kind) for s in policy.sections[1:]] == [
        ("Cryoablation of Test Tumors", 3, "narrative"), ("1. Description", 2, "narrative"),
        ("2. Policy", 2, "policy"), ("2.1 Commercial Members", 3, "policy"), ("I. Medical Necessity:", 7, "policy"),
        ("3. Rationale", 2, "narrative"), ("8. References", 2, "references")]
    assert [(s.status, s.line_of_business, s.span.line_start) for s in policy.statements] == [
        ("medically necessary", "Commercial Members", 13), ("investigational", "Commercial Members", 17)]
    assert [(r.number, r.pmid) for r in policy.references] == [(1, "10000001")]


def test_typography_is_read_plain_and_offsets_hold(parse):
    policy = parse("typography.txt")
    assert [(p.code, p.line) for p in policy.problems if p.code == "text-normalised"] == [("text-normalised", 1)]
    assert policy.statements[0].text == ('Cryoablation is considered "medically necessary" for the member\'s small '
                                         'renal masses (CPT 50593).')
    assert [(c.code, c.description) for c in policy.codes] == [("50250-50593", "Renal cryoablation")]
    ref = policy.references[0]
    assert (ref.first_author, ref.pages, ref.pmid) == ("O'Brien", "45-52", "10000001")
    raw = (LAYOUT / "typography.txt").read_bytes().decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    assert raw[ref.span.char_start: ref.span.char_start + 9] == "O\u2019Brien\u00a0J"


def test_typography_keeps_length_and_the_em_dash():
    doc = Document("t", "a\u00a0b \u201cq\u201d 12\u20139 function\u2014including", "")
    assert doc.text == 'a b "q" 12-9 function\u2014including' and doc.typography == 4


def test_a_code_table_line_ends_a_document_as_a_sentence_does(parse):
    policy = parse("code_line_last.txt")  # its last line ends "... renal pelvis", with no full stop
    assert [(c.system, c.code) for c in policy.codes] == [("CPT", "50593"), ("ICD-10-CM", "C64.1"),
                                                          ("ICD-10-CM", "C64.9")]
    assert [s.heading for s in policy.sections if s.kind == "codes"] == ["CODING", "CPT", "ICD-10 Diagnosis"]


def test_a_policy_heading_with_no_statement_is_a_warning_naming_it(parse):
    policy = parse("policy_without_statement.txt")
    assert [(p.severity, p.code, p.line, p.message) for p in policy.problems] == [
        ("warning", "no-coverage-statement", 5,
         "the policy section 'COVERAGE RATIONALE' holds no coverage statement the parser recognises")]
