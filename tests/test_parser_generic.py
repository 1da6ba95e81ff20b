"""The parser works from the structure of a policy, so layouts the seeds never use still parse."""
from __future__ import annotations

import pytest

from kb.ingest import parse_document
from kb.ingest.citations import expand
from kb.ingest.dates import find_dates, parse_date
from kb.ingest.document import Document
from kb.ingest.outline import build_outline, units_from_blocks
from kb.ingest.blocks import split_blocks
from kb.ingest.references import parse_reference
from kb.ingest.statements import indication_of, thresholds_in

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def unseen(bodies):
    return parse_document(FIXTURES / "unseen_policy.txt", "unseen_policy.txt", bodies)


def test_unseen_layout_statements_and_nested_criteria(unseen):
    assert (unseen.title, unseen.number) == ("Clinical Policy Bulletin: Percutaneous Cryoablation", "0999")
    assert [(s.indication, s.status, s.logic, len(s.criteria)) for s in unseen.statements] == [
        ("small renal masses", "medically necessary", "all", 5),
        ("Desmoid tumors", "experimental/investigational", None, 0),
        ("Thyroid nodules", "experimental/investigational", None, 0),
        ("Hepatic metastases from melanoma", "experimental/investigational", None, 0),
    ]
    criteria = unseen.statements[0].criteria
    assert [(c.label, c.parent, c.connective, c.logic) for c in criteria] == [
        ("a", None, "and", None), ("b", None, "and", None), ("c", None, None, "any"), ("i", 3, "or", None),
        ("ii", 3, None, None)]
    limits = [(t.comparator, t.value, t.unit) for c in criteria for t in c.thresholds]
    assert limits == [("≤", 3.0, "cm"), ("<", 45.0, "mL/min/1.73 m²")]


def test_unseen_layout_references_citations_codes(unseen):
    refs = unseen.references
    assert [r.number for r in refs] == [1, 2, 3, 4, 5]
    assert [(r.first_author, r.journal, r.year, r.pmid) for r in refs] == [
        ("Doe", "J Test Urol", 2019, "10000001"), ("Poe", "Test Radiol", 2021, None),
        ("Zed", "Test Oncol Rep", 2022, None), ("Example Society (EXS)", None, 2018, None),
        ("Moe", "Test J", 2015, None)]
    assert refs[2].doi == "10.9999/tor.2022.1234" and refs[4].pmid_raw == ""
    assert [(c.marker, c.numbers) for c in unseen.citations] == [("[1]", [1]), ("[2,3]", [2, 3]), ("[4-5]", [4, 5])]
    assert [(c.code, c.status) for c in unseen.codes] == [("50593", "medically necessary"), ("60699", "not covered")]
    assert [(t.nct_id, t.source) for t in unseen.trials] == [("NCT01234567", "text")]
    assert [(g.kind, g.body) for g in unseen.guidelines] == [("position statement", None)]
    assert [(f.label, f.date) for f in unseen.fields if f.date] == [("Effective", "2024-03-15"),
                                                                     ("Next Review", "2025-03-15")]
    assert unseen.problems == []


def _outline(text: str):
    doc = Document("test", text, "")
    return build_outline(units_from_blocks(doc, split_blocks(doc.lines)))


def test_outline_tells_letters_from_roman_numerals_by_sequence():
    roots = _outline("- I. First\n  - A. a\n  - B. b\n  - C. c\n- D. d\n- II. Second\n  1. one\n- III. Third\n")
    assert [(n.label, n.style) for n in roots] == [("I", "roman-upper"), ("II", "roman-upper"),
                                                   ("III", "roman-upper")]
    assert [n.label for n in roots[0].children] == ["A", "B", "C", "D"]  # "D" at the margin is still a letter
    assert [n.label for n in roots[1].children] == ["1"]


def test_outline_connective_paragraph_marks_the_sibling_before_it():
    roots = _outline("Cryoablation is medically necessary when either of the following is met:\n- first\n\nOR\n\n- second\n")
    assert [n.text for n in roots[0].children] == ["first", "second"]
    assert roots[0].children[0].connective == "or"


@pytest.mark.parametrize("raw, numbers", [("1-3, 7", [1, 2, 3, 7]), ("[53-66]", list(range(53, 67))),
                                          ("46, 47", [46, 47]), ("5-3", None)])
def test_citation_ranges(raw, numbers):
    assert expand(raw) == numbers


@pytest.mark.parametrize("raw, fields", [
    ("Tanaka S. Cryosurgical treatment of advanced breast cancer. *Skin Cancer*. Jan 1995;10:9-18.",
     {"first_author": "Tanaka", "journal": "Skin Cancer", "year": 1995, "month": "Jan", "volume": "10",
      "pages": "9-18"}),
    ("Nabi G, Cleves A, Shelley M. Surgical management of localised renal cell carcinoma. *Cochrane Database "
     "Syst Rev*. 2010(3):CD006579. PMID: 20238346",
     {"first_author": "Nabi", "year": 2010, "issue": "3", "pages": "CD006579", "pmid": "20238346"}),
    ("Campbell SC, Clark PE, Chang SS, et al. Renal Mass and Localized Renal Cancer: AUA Guideline: Part I. "
     "J Urol. Aug 2021; 206(2): 199-208. PMID 34115547",
     {"journal": "J Urol", "title": "Renal Mass and Localized Renal Cancer: AUA Guideline: Part I", "year": 2021,
      "volume": "206", "issue": "2", "pages": "199-208"}),
    ("Ng CK, Moussa M, Downey DB, et al. Salvage cryoablation of the prostate. *J Urol*. "
     "2007;178(4 Pt 1):1253-7; discussion 57. PMID: 17698104",
     {"issue": "4 Pt 1", "pages": "1253-7; discussion 57"}),
    ("Sun F, Oyesanmi O, Fontanarosa J, et al. 2014. PMID: 25610935",
     {"first_author": "Sun", "year": 2014, "pmid": "25610935"}),
])
def test_reference_shapes(raw, fields):
    parsed = parse_reference(raw)
    assert {key: parsed.get(key) for key in fields} == fields


def test_thresholds_and_indications():
    assert [(t.comparator, t.value, t.unit) for t in thresholds_in("Each lesion ≤ 5 cm; PSA < 8 ng/ml")] == [
        ("≤", 5.0, "cm"), ("<", 8.0, "ng/mL")]
    assert indication_of("Cryosurgical ablation of either primary or metastatic tumors in the liver is "
                         "experimental / investigational.") == "either primary or metastatic tumors in the liver"
    assert indication_of("Cryoablation is considered investigational.") is None


def test_dates_keep_the_precision_written():
    assert parse_date("Oct. 1, 2025") == "2025-10-01"
    assert parse_date("November 2023") == "2023-11"
    assert parse_date("10/01/19") == "2019-10-01"
    assert parse_date("11-5-2021") == "2021-11-05"
    assert [iso for *_, iso in find_dates("11/2011 -4/2012")] == ["2011-11", "2012-04"]
