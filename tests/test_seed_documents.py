"""What the parser extracts from each of the five seed policies: counts and spot values.

Figures were checked against the documents by reading them (see the closing note of issue 2):
reference lists counted entry by entry, PMIDs and citation markers by search of the text.
"""
from __future__ import annotations

import pytest

from kb.ingest.markup import clean

COUNTS = {
    # policy: (references, with PMID, statements, criteria, codes, citation markers, numbers cited, trials, history)
    "bcbsma-260": (61, 56, 3, 5, 9, 0, 0, 0, 21),
    "unnamed-solid-tumors-outside-liver": (97, 89, 7, 2, 11, 18, 97, 0, 0),
    "premera-7.01.92": (51, 44, 7, 5, 6, 5, 6, 5, 11),
    "medmutual-200802": (15, 0, 5, 22, 7, 0, 0, 0, 0),
    "bcbsks-liver-tumors": (33, 30, 1, 0, 4, 34, 33, 0, 8),
}


@pytest.mark.parametrize("pid", sorted(COUNTS))
def test_counts(parsed, pid):
    p = parsed[pid]
    cited = {n for c in p.citations for n in c.numbers}
    got = (len(p.references), sum(r.pmid is not None for r in p.references), len(p.statements),
           sum(len(s.criteria) for s in p.statements), len(p.codes), len(p.citations), len(cited), len(p.trials),
           len(p.history))
    assert got == COUNTS[pid]


@pytest.mark.parametrize("pid", sorted(COUNTS))
def test_reference_numbers_run_one_to_n(parsed, pid):
    numbers = [r.number for r in parsed[pid].references]
    if pid == "medmutual-200802":  # a bulleted "Sources of Information" list: unnumbered
        assert numbers == [None] * 15
    else:
        assert numbers == list(range(1, len(numbers) + 1))


def test_solstice_is_cited_by_three_documents_each_at_its_own_number(parsed):
    found = {pid: [r.number for r in p.references if r.pmid == "32151777"] for pid, p in parsed.items()}
    assert {pid: n for pid, n in found.items() if n} == {
        "bcbsma-260": [20], "premera-7.01.92": [15], "unnamed-solid-tumors-outside-liver": [69]}


def test_missing_pmids_are_recorded_as_written(parsed):
    refs = {r.number: r for r in parsed["unnamed-solid-tumors-outside-liver"].references}
    assert (refs[54].pmid, refs[54].pmid_raw) == (None, "No PMID Entry")
    assert (refs[72].pmid, refs[72].pmid_raw) == (None, "")
    assert (refs[89].pmid, refs[89].pmid_raw) == (None, None)


def test_reference_fields(parsed):
    refs = {r.number: r for r in parsed["unnamed-solid-tumors-outside-liver"].references}
    eclipse = refs[70]  # runs over a blank line onto line 254
    assert (eclipse.span.line_start, eclipse.span.line_end) == (252, 254)
    assert eclipse.first_author == "de Baere"
    assert eclipse.title.endswith("The ECLIPSE Trial--Interim Analysis at 1 Year")
    assert (eclipse.year, eclipse.volume, eclipse.issue, eclipse.pages, eclipse.pmid) == (
        2015, "10", "10", "1468-74", "26230972")
    kunath = {r.number: r for r in parsed["bcbsma-260"].references}[41]
    assert (kunath.journal, kunath.year, kunath.month, kunath.volume, kunath.pages) == (
        "Cochrane Database Syst Rev", 2017, "May", "5", "CD012045")
    nccn = {r.number: r for r in parsed["premera-7.01.92"].references}[49]
    assert nccn.corporate_author and nccn.first_author == "National Comprehensive Cancer Network (NCCN)"
    assert nccn.url == "http://www.nccn.org/professionals/physician_gls/pdf/kidney.pdf"
    assert nccn.accessed == "2025-08-11"


def test_bulleted_references_before_a_numbered_run_are_numbered_by_position(parsed):
    p = parsed["bcbsks-liver-tumors"]
    wang = [r for r in p.references if r.pmid == "25284802"]
    assert [(r.number, r.number_inferred) for r in wang] == [(2, True)]
    assert [pr.code for pr in p.problems] == ["reference-number-inferred"]
    citing = [c for c in p.citations if 2 in c.numbers]
    assert [(c.marker, c.span.line_start) for c in citing] == [("<sup>2</sup>", 130)]
    assert citing[0].sentence.startswith("Wang et al (2015) reported an RCT comparing cryoablation with RFA")


def test_citation_ranges_expand(parsed):
    cites = {c.marker: c for c in parsed["unnamed-solid-tumors-outside-liver"].citations}
    assert cites["<sup>[1-51]</sup>"].numbers == list(range(1, 52))
    assert cites["<sup>[53-66]</sup>"].numbers == list(range(53, 67))
    assert [c.numbers for c in parsed["premera-7.01.92"].citations][0] == [46, 47]


def test_unit_exponents_and_footnote_marks_are_not_citations(parsed):
    p = parsed["bcbsma-260"]
    assert "m<sup>2</sup>" in p.document.line(43)
    assert p.citations == []
    markers = {c.marker for c in parsed["premera-7.01.92"].citations}
    assert "<sup>a</sup>" not in markers and "<sup>2</sup>" not in markers


STATEMENTS = {
    "bcbsma-260": [
        ("localized renal cell carcinoma", "medically necessary", "any"),
        ("lung cancer", "medically necessary", "any"),
        ("benign or malignant tumors of the breast, lung (other than defined above), pancreas, or bone and other "
         "solid tumors or metastases outside the liver and prostate and to treat renal cell carcinomas in patients "
         "who are surgical candidates", "investigational", None),
    ],
    "unnamed-solid-tumors-outside-liver": [
        ("Malignant dermatologic tumors", "medically necessary", None),
        ("Uveal melanoma", "medically necessary", None),
        ("Kidney tumors", "medically necessary", None),
        ("Prostate tumors", "medically necessary", None),
        ("Cervical intraepithelial neoplasia", "medically necessary", None),
        ("Lung cancer", "medically necessary", "any"),
        ("all solid tumors not meeting Criterion I, including desmoid tumors and malignant or benign tumors of the "
         "breast (including fibroadenoma), pancreas, and bone; and for metastases outside of the liver or prostate",
         "investigational", None),
    ],
    "premera-7.01.92": [
        ("localized renal cell carcinoma", "medically necessary", "any"),
        ("lung cancer", "medically necessary", "any"),
        ("Bone cancer and bone metastases", "investigational", None),
        ("Lung tumors and lung metastases (other than defined above)", "investigational", None),
        ("Malignant or benign tumors of the breast", "investigational", None),
        ("Pancreatic cancers", "investigational", None),
        ("Renal cell carcinomas in individuals who are surgical candidates", "investigational", None),
    ],
    "medmutual-200802": [
        ("Hepatocellular carcinoma (HCC)", "medically necessary", None),
        ("Neuroendocrine tumors", "medically necessary", None),
        ("Prostate carcinoma", "medically necessary", "any"),
        ("Renal cell carcinoma", "medically necessary", "all"),
        ("Soft Tissue Sarcoma", "medically necessary", None),
    ],
    "bcbsks-liver-tumors": [
        ("either primary or metastatic tumors in the liver", "experimental/investigational", None),
    ],
}


@pytest.mark.parametrize("pid", sorted(STATEMENTS))
def test_statements(parsed, pid):
    assert [(s.indication, s.status, s.logic) for s in parsed[pid].statements] == STATEMENTS[pid]


def test_renal_criteria_each_in_its_own_row_with_thresholds(parsed):
    renal = parsed["bcbsma-260"].statements[0]
    assert renal.status_text == "MEDICALLY NECESSARY"
    assert renal.line_of_business.startswith("Commercial Members: Managed Care (HMO and POS), PPO, and Indemnity")
    assert [(c.kind, c.connective, c.span.line_start) for c in renal.criteria] == [
        ("inline", None, 41), ("listed", "or", 43), ("listed", None, 44)]
    assert renal.criteria[0].text == "no more than 4 cm in size"
    assert renal.criteria[2].text == "Patient is not considered a surgical candidate"
    limits = [(t.comparator, t.value, t.unit) for c in renal.criteria for t in c.thresholds]
    assert limits == [("≤", 4.0, "cm"), ("<", 60.0, "mL/min/m²")]


def test_nested_criteria_point_to_their_parent(parsed):
    prostate = parsed["medmutual-200802"].statements[2]
    salvage = prostate.criteria[2]
    assert salvage.text.startswith("Salvage cryosurgery for recurrent prostate cancer")
    assert salvage.logic == "any"
    children = [c for c in prostate.criteria if c.parent == salvage.ordinal]
    assert [(c.label, c.text) for c in children] == [
        ("1", "Prostate-specific antigen (PSA) < 8 ng/ml"), ("2", "Gleason score†† < 9"),
        ("3", "Disease stage T2b[†] or below")]
    assert [(t.subject, t.comparator, t.value, t.unit) for t in children[0].thresholds] == [
        ("Prostate-specific antigen PSA", "<", 8.0, "ng/mL")]


def test_indication_list_items_keep_their_lead_in(parsed):
    lung = parsed["unnamed-solid-tumors-outside-liver"].statements[5]
    assert lung.label == "F"
    assert lung.lead_in.startswith("Cryosurgical ablation may be considered medically necessary for the treatment")
    assert [c.label for c in lung.criteria] == ["1", "2"]
    assert lung.criteria[0].text.startswith("For non-small cell lung cancer when the patient has early-stage")


def test_codes_with_the_status_their_section_gives(parsed):
    codes = [(c.system, c.code, c.status) for c in parsed["bcbsma-260"].codes]
    assert codes[:7] == [("CPT", code, "medically necessary")
                         for code in ("32994", "50250", "50542", "50593", "76940", "77013", "77022")]
    assert codes[7:] == [("CPT", "0581T", "investigational"), ("CPT", "19105", "investigational")]
    unnamed = parsed["unnamed-solid-tumors-outside-liver"]
    assert ("CPT", "17260-17286") in [(c.system, c.code) for c in unnamed.codes]
    assert [(n.system, n.note) for n in unnamed.code_notes] == [("HCPCS", "None")]
    kansas = parsed["bcbsks-liver-tumors"]
    assert [(n.system, n.status) for n in kansas.code_notes] == [("ICD-10-CM", "experimental/investigational")]


def test_statements_name_their_codes(parsed):
    assert [[code for _, code in s.codes] for s in parsed["medmutual-200802"].statements] == [
        ["47371", "47381"], ["47381", "47383"], ["55873"], ["50250", "50593"], ["20983"]]
    assert {system for s in parsed["medmutual-200802"].statements for system, _ in s.codes} == {"CPT"}


def test_registered_trials(parsed):
    trials = parsed["premera-7.01.92"].trials
    assert [t.nct_id for t in trials] == ["NCT02399124", "NCT04506671", "NCT05505643", "NCT04334785", "NCT05615545"]
    first = trials[0]
    assert (first.title, first.planned_enrollment, first.completion_date, first.group, first.note) == (
        "ICESECRET PROSENSE Cryotherapy for Renal Cell Carcinoma Trial", 120, "2026-02", "Ongoing > Renal cancer",
        "Denotes industry-sponsored or cosponsored trial.")
    assert trials[-1].group == "Ongoing > Bone cancer"


def test_policy_front_matter(parsed):
    premera = parsed["premera-7.01.92"]
    assert (premera.number, premera.bcbsa_reference) == ("7.01.92", "7.01.92")
    assert {(f.label, f.date) for f in premera.fields if f.date} == {
        ("Effective Date", "2025-10-01"), ("Last Revised", "2025-09-08")}
    assert [(r.relation, r.number) for r in premera.related][0] == ("replaces", "7.01.526")
    unnamed = parsed["unnamed-solid-tumors-outside-liver"]
    assert unnamed.number is None
    assert ("Date of Origin", "March 2004", "2004-03") in [(f.label, f.value, f.date) for f in unnamed.fields]
    kansas = [f for f in parsed["bcbsks-liver-tumors"].fields if f.label == "Revision Date(s)"]
    assert len(kansas) == 16 and {f.context for f in kansas} == {"Professional", "Institutional"}  # 8 per block
    assert parsed["medmutual-200802"].title.startswith("Cryoablation: Hepatocellular Carcinoma; Neuroendocrine")


def test_guidelines_named_in_text_and_references(parsed):
    mentions = {(g.source, g.body, g.topic, g.version) for g in parsed["premera-7.01.92"].guidelines}
    assert ("text", "NCCN", "kidney cancer", "3.2025") in mentions
    assert ("reference", "NCCN", "Kidney Cancer", "3.2025") in mentions
    assert ("text", "AUA", "evaluation and management of clinically localized sporadic renal masses suspicious "
            "for rRCC", None) in mentions


def test_devices_and_history(parsed):
    devices = [(d.name, d.manufacturer) for d in parsed["unnamed-solid-tumors-outside-liver"].devices]
    assert devices[0] == ("Cryocare® Surgical System", "Endocare")
    assert devices[-1] == ("ERBECRYO 2® Cryosurgical Unit", "ERBE USA Incorporated")
    history = parsed["bcbsma-260"].history
    assert (history[0].date, history[-1].date) == ("2020-09", "2009-11")
    continued = [h for h in history if h.date_text == "7/2011"][0]
    assert continued.text.endswith("No changes to policy statements.") and continued.span.line_end == 170


@pytest.mark.parametrize("pid", sorted(COUNTS))
def test_every_span_points_at_its_text(parsed, pid):
    """Provenance round trip: the characters a record points to are the ones it was read from."""
    p = parsed[pid]
    doc = p.document
    for ref in p.references:
        assert doc.slice(ref.span).startswith(ref.raw.split()[0])
    for citation in p.citations:
        assert doc.slice(citation.span) == citation.marker
    for code in p.codes:
        assert code.code.split("-")[0] in doc.slice(code.span)
    for statement in p.statements:  # the statement's words are the ones its characters hold
        assert statement.text[:30] in clean(doc.slice(statement.span)), statement.text[:30]
        for criterion in statement.criteria:
            assert criterion.text[:20] in clean(doc.slice(criterion.span)), criterion.text[:20]


CODES = {
    "bcbsma-260": "32994 50250 50542 50593 76940 77013 77022 0581T 19105",
    "unnamed-solid-tumors-outside-liver": "0581T 17260-17286 19105 20983 31641 32994 50250 50542 50593 55873 57511",
    "premera-7.01.92": "0581T 19105 20983 32994 50250 50593",
    "medmutual-200802": "20983 47371 47381 47383 50250 50593 55873",
    "bcbsks-liver-tumors": "47371 47381 47383 76940",
}


@pytest.mark.parametrize("pid", sorted(CODES))
def test_every_listed_code(parsed, pid):
    codes = parsed[pid].codes
    assert " ".join(c.code for c in codes) == CODES[pid]
    assert {c.system for c in codes} == {"CPT"}
    assert all(c.description for c in codes) or pid == "medmutual-200802"  # it lists codes without descriptions
