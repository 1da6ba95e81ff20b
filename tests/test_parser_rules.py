"""Each rule of "How a policy is read" (README) on a small document of its own, in tests/fixtures/rules/.

Every fixture is written for these tests and holds one rule; the test states the records the rule
yields, with their lines. The seed goldens (test_seed_documents.py) stay the snapshot of the five
real policies; these say which rule a change broke.
"""
from __future__ import annotations

import pytest

from kb.ingest import parse_document

from .conftest import FIXTURES

RULES = FIXTURES / "rules"


@pytest.fixture
def parse(bodies):
    def parse(name: str):
        return parse_document(RULES / name, name, bodies)
    return parse


def _criteria(statement) -> list[tuple]:
    return [(c.ordinal, c.label, c.text, c.parent, c.connective, c.logic, c.span.line_start)
            for c in statement.criteria]


def test_every_rule_fixture_is_labelled_as_written_for_the_tests():
    names = sorted(path.name for path in RULES.glob("*.txt"))
    assert len(names) == 17
    for name in names:
        first = (RULES / name).read_text(encoding="utf-8").split("\n")[0]
        assert first.startswith("<!-- Written for the cryo-kb tests (parser rule: ") and first.endswith(
            "not a published policy. -->"), name


def test_headings_markdown_bold_only_and_label_lines(parse):
    policy = parse("headings.txt")
    assert [(s.number, s.heading, s.level, s.kind, s.parent, s.span.line_start, s.span.line_end)
            for s in policy.sections] == [
        (0, "(front matter)", 0, "front", None, 1, 26),
        (1, "Cryoablation of Test Tumors", 1, "narrative", 0, 3, 26),  # "# ..."
        (2, "Coverage", 2, "narrative", 1, 5, 22),  # "## ..."
        (3, "Policy", 7, "policy", 2, 7, 14),  # "**Policy**": below every markdown level
        (4, "Coding", 7, "codes", 2, 15, 16),  # "<b>Coding</b>"
        (5, "CPT Codes:", 7, "codes", 2, 17, 22),  # a "Label:" line of up to five words
        (6, "References", 2, "references", 1, 23, 26)]
    # "**OR**" (a connective, line 11), a bold line of 14 words (13) and a "Label:" line of 7 words (21) are not
    assert [(s.indication, s.span.line_start, s.section) for s in policy.statements] == [
        ("small renal masses", 9, 3)]
    assert [(c.code, c.span.line_start, c.section) for c in policy.codes] == [("50593", 19, 5)]
    assert policy.problems == []


def test_lists_nest_by_enumerator_and_c_after_b_is_a_letter(parse):
    policy = parse("enumerators.txt")
    [statement] = policy.statements
    assert (statement.indication, statement.logic, statement.span.line_start) == ("renal tumors", "all", 7)
    assert _criteria(statement) == [  # every item at the margin: the enumerators alone nest them
        (1, "I", "The tumor:", None, None, None, 9),
        (2, "A", "is a renal cell carcinoma", 1, "and", None, 10),
        (3, "B", "measures 4 cm or less", 1, "and", None, 11),
        (4, "C", "meets any of the following:", 1, None, "any", 12),  # a letter, not the numeral 100
        (5, "1", "it is solitary", 4, None, None, 13),
        (6, "2", "it stands in a solitary kidney", 4, None, None, 14),
        (7, None, "with normal function", 6, None, None, 15),
        (8, None, "with reduced function", 6, None, None, 16),
        (9, "II", "The individual:", None, None, None, 17),
        (10, "A", "is not a surgical candidate", 9, None, None, 18)]
    assert [(t.comparator, t.value, t.unit) for t in statement.criteria[2].thresholds] == [("≤", 4.0, "cm")]
    assert policy.problems == []


def test_v_after_iv_is_a_roman_numeral(parse):
    policy = parse("roman_after_iv.txt")
    lead = "Cryoablation is considered investigational for the following indications:"
    assert [(s.label, s.indication, s.status, s.lead_in, len(s.criteria), s.span.line_start)
            for s in policy.statements] == [
        ("I", "Bone metastases", "investigational", lead, 0, 9),
        ("II", "Breast cancer", "investigational", lead, 0, 10),
        ("III", "Lung tumors", "investigational", lead, 0, 11),
        ("IV", "Pancreatic tumors", "investigational", lead, 0, 12),
        ("V", "Prostate cancer", "investigational", lead, 0, 13)]  # a sibling of IV, not a letter under it
    assert policy.problems == []


def test_bullets_nest_by_indentation(parse):
    policy = parse("indentation.txt")
    [statement] = policy.statements
    assert _criteria(statement) == [
        (1, None, "the tumor is a primary lung cancer that is", None, None, None, 9),
        (2, None, "stage I", 1, "and", None, 10),
        (3, None, "no more than 3 cm", 1, None, None, 11),
        (4, None, "the individual is not a surgical candidate", None, None, None, 12)]
    assert policy.problems == []


def test_tab_separated_table_cells_split_into_paragraphs_and_list_items(parse):
    policy = parse("table_tab.txt")
    doc = policy.document
    [statement] = policy.statements  # the header and the row label are not statements
    assert (statement.indication, statement.status, statement.logic, statement.span.line_start) == (
        "small renal masses", "medically necessary", "all", 8)
    assert doc.slice(statement.span) == (
        "Cryoablation is considered medically necessary for the treatment of small renal masses when all of the "
        "following criteria are met:")
    assert [(c.text, c.parent, c.span.line_start, doc.slice(c.span)) for c in statement.criteria] == [
        ("the mass is no more than 3 cm", None, 8, "the mass is no more than 3 cm"),
        ("the individual is not a surgical candidate", None, 8, "the individual is not a surgical candidate")]
    assert policy.problems == []


def test_pipe_table_cells_split_at_line_breaks_and_code_rows(parse):
    policy = parse("table_pipe.txt")
    doc = policy.document
    assert [(s.indication, s.status, s.span.line_start, doc.slice(s.span)) for s in policy.statements] == [
        ("lung metastases", "investigational", 9,
         "Cryosurgical ablation of lung metastases is considered investigational."),
        ("primary lung cancer", "medically necessary", 9,
         "Cryosurgical ablation of primary lung cancer is considered medically necessary.")]
    assert [(c.system, c.code, c.description, c.span.line_start, doc.slice(c.span)) for c in policy.codes] == [
        ("CPT", "32994", "Ablation therapy for reduction or eradication of 1 or more pulmonary tumor(s); "
         "cryoablation", 15, "32994")]
    assert policy.problems == []


def test_superscript_citations_ranges_and_lists_but_not_exponents_or_footnote_marks(parse):
    policy = parse("citations_superscript.txt")
    doc = policy.document
    assert [(c.marker, c.numbers, c.span.line_start, c.section, c.sentence) for c in policy.citations] == [
        ("<sup>1</sup>", [1], 11, 3, "Cryoablation controlled small tumors"),
        ("<sup>[2-4]</sup>", [2, 3, 4], 11, 3, "Two series agreed"),
        ("<sup>5, 6</sup>", [5, 6], 11, 3, "Later reviews concurred"),
        # m<sup>2</sup> after a unit and 10<sup>6</sup> after a digit are exponents
        ("<sup>7</sup>", [7], 13, 3,
         "Function stayed above 60 mL/min/1.73 m² in most patients, with 10⁶ cells counted"),
        ("^{8}", [8], 15, 3, "Margins were clear")]  # and <sup>a</sup> on line 15 is a footnote mark
    assert all(doc.slice(c.span) == c.marker for c in policy.citations)
    assert policy.problems == []


def test_bracket_citations_and_a_backward_range(parse):
    policy = parse("citations_brackets.txt")
    assert [(c.marker, c.numbers, c.span.line_start, c.sentence) for c in policy.citations] == [
        ("[1]", [1], 11, "Small masses are often treated surgically"),
        ("[2,3]", [2, 3], 11, "Two cohorts agreed"),
        ("[4-5]", [4, 5], 11, "Older series")]  # and the markdown link on line 13 is no citation
    assert [str(p) for p in policy.problems] == [
        "citations_brackets.txt:13: warning: citation '[5-4]' has a range that runs backwards "
        "[citation-range-backwards]"]


def test_statements_say_something_is_or_may_be_considered_a_status(parse):
    policy = parse("statements.txt")
    assert [(s.indication, s.status_text, s.status, s.span.line_start, s.section) for s in policy.statements] == [
        ("small renal masses", "medically necessary", "medically necessary", 7, 2),
        ("desmoid tumors", "medically necessary", "medically necessary", 9, 2),  # "may be considered"
        ("thyroid nodules", "investigational", "investigational", 11, 2),
        ("pancreatic tumors", "experimental", "experimental/investigational", 13, 2)]
    # line 15 names a status without saying anything is considered it; line 19 is not in a policy section
    assert policy.problems == []


def test_the_list_under_a_statement_holds_criteria_or_indications(parse):
    policy = parse("statement_lists.txt")
    lead = "Cryoablation is considered investigational for any of the following:"
    assert [(s.indication, s.status, s.lead_in, s.logic, len(s.criteria), s.span.line_start)
            for s in policy.statements] == [
        ("small renal masses", "medically necessary", None, "any", 2, 7),  # "either of the following criteria"
        ("desmoid tumors", "investigational", lead, None, 0, 14),  # each indication a statement of its own
        ("thyroid nodules", "investigational", lead, None, 0, 15)]
    assert _criteria(policy.statements[0]) == [
        (1, None, "the mass is no more than 3 cm", None, None, None, 9),
        (2, None, "the individual is not a surgical candidate", None, None, None, 10)]
    assert policy.problems == []


def test_codes_code_ranges_system_notes_and_a_status_for_the_codes_after_it(parse):
    policy = parse("codes.txt")
    assert policy.statements[0].codes == [("CPT", "50250"), ("CPT", "50593")]  # codes a statement names
    assert [(c.system, c.code, c.description, c.status, c.span.line_start, c.section) for c in policy.codes] == [
        ("CPT", "50593", "Ablation, renal tumor(s), unilateral, percutaneous, cryotherapy", None, 12, 3),
        ("CPT", "0581T-0582T", "Ablation, malignant breast tumor(s), percutaneous, cryotherapy", None, 13, 3),
        ("CPT", "47371", "Laparoscopy, surgical, ablation of 1 or more liver tumor(s); cryosurgical",
         "investigational", 18, 3)]
    assert [(n.system, n.note, n.span.line_start) for n in policy.code_notes] == [("HCPCS", "None", 14)]
    assert policy.problems == []


def test_dates_keep_the_precision_written(parse):
    policy = parse("dates.txt")
    doc = policy.document
    assert [(f.label, f.value, f.date, f.span.line_start, doc.slice(f.span)) for f in policy.fields] == [
        ("Effective Date", "10/01/2024", "2024-10-01", 5, "10/01/2024"),
        ("Last Review Date", "Oct. 1, 2025", "2025-10-01", 7, "Oct. 1, 2025"),
        ("Revision Date(s)", "March 1, 2020", "2020-03-01", 9, "March 1, 2020"),
        ("Revision Date(s)", "April 2, 2021", "2021-04-02", 9, "April 2, 2021"),
        ("Revision Date(s)", "June 3, 2022", "2022-06-03", 10, "June 3, 2022"),  # the field runs on
        ("Next Review", "November 2026", "2026-11", 12, "November 2026")]
    assert [(h.date_text, h.date, h.text, h.span.line_start, h.span.line_end) for h in policy.history] == [
        ("11/2011", "2011-11", "New policy", 25, 25),
        ("10/01/19", "2019-10-01", "Revised; coverage unchanged References updated", 26, 27)]  # a row without date
    assert policy.problems == []


def test_a_numbered_reference_list(parse):
    policy = parse("references_numbered.txt")
    assert [(r.number, r.first_author, r.title, r.journal, r.year, r.month, r.volume, r.issue, r.pages, r.pmid,
             r.pmid_raw, r.doi, r.url, r.accessed, r.span.line_start, r.span.line_end) for r in policy.references] == [
        (1, "Doe", "Surgical management of small renal masses", "J Test Urol", 2019, None, "12", "3", "45-52",
         "10000001", "10000001", None, None, None, 11, 11),
        (2, "Poe", "Cryoablation outcomes in a regional cohort", "J Test Radiol", 2021, "Mar", "8", "2", "100-108",
         "10000002", "10000002", None, None, None, 12, 12),
        (3, "Zed", "Local control after percutaneous ablation", "Test Oncol Rep", 2022, None, "4", None, "12-19",
         None, None, "10.9999/tor.2022.1234", None, None, 13, 14),  # runs on to the next line
        (4, "Example Society (EXS)", "Position statement on ablation", None, 2018, None, None, None, None,
         None, None, None, "https://example.org/exs", "2024-05-05", 15, 15),
        (5, "Moe", "Renal ablation series with a long title", "Test J", 2015, None, "3", "1", "1-9",
         None, "No PMID Entry", None, None, None, 16, 18),  # runs on over a blank line
        (6, "Noe", "Bracket-numbered entry", "Test Rev", 2016, None, "4", "2", "10-19",
         "10000006", "10000006", None, None, None, 19, 19)]  # "[6]"
    assert [r.corporate_author for r in policy.references] == [False, False, False, True, False, False]
    assert policy.problems == []


def test_a_bulleted_reference_list_is_unnumbered(parse):
    policy = parse("references_bulleted.txt")
    assert [(r.position, r.number, r.first_author, r.pmid, r.span.line_start, r.section)
            for r in policy.references] == [(1, None, "Doe", "10000001", 11, 3), (2, None, "Poe", "10000002", 12, 3)]
    assert policy.sections[3].kind == "references"  # "Sources of Information"
    assert policy.problems == []


def test_bullets_before_a_numbered_run_are_numbered_by_position(parse):
    policy = parse("references_inferred.txt")
    assert [(r.number, r.number_inferred, r.first_author, r.span.line_start) for r in policy.references] == [
        (1, True, "Doe", 11), (2, True, "Poe", 12), (3, False, "Zed", 13)]
    assert [str(p) for p in policy.problems] == [
        "references_inferred.txt:11: info: references 1-2 are bullets, numbered by position because the list "
        "continues at 3 [reference-number-inferred]"]


def _evidence(policy) -> list[tuple]:
    return [(e.statement, policy.citations[e.citation - 1].marker, e.sites, e.role, e.reason)
            for e in policy.evidence]


def test_evidence_a_marker_citing_most_of_the_list_is_background(parse):
    """[1-4] of seven references cites the list, not a study: background for both statements it names sites of;
    [1, 2, 6] is three of seven, still evidence."""
    policy = parse("evidence_blanket.txt")
    blanket = "cites 4 of the 7 references at once (more than half the list)"
    assert _evidence(policy) == [
        (1, "<sup>[1-4]</sup>", "kidney", "background", blanket),
        (1, "<sup>[5]</sup>", "kidney", "evidence", None),
        (1, "<sup>[1, 2, 6]</sup>", "kidney", "evidence", None),
        (2, "<sup>[1-4]</sup>", "lung", "background", blanket)]
    assert policy.problems == []


def test_evidence_in_a_background_section_or_a_rationales_opening_is_background(parse):
    policy = parse("evidence_background.txt")
    assert _evidence(policy) == [
        (1, "<sup>1</sup>", "kidney", "background", "cited in the background section 'Description'"),
        (1, "<sup>2</sup>", "kidney", "background", "cited in the background section 'Description'"),
        (1, "<sup>3</sup>", "kidney", "background",
         "cited in the opening text of 'Rationale', above its subsections"),
        (1, "<sup>4</sup>", "kidney", "evidence", None)]
