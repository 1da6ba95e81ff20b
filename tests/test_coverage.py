"""Statements of different payers meet on a curated indication: the coverage matrix."""
from __future__ import annotations

import re


def _matrix(kb, indication):
    return kb.execute("""select policy_id, status, mapping, statement_indication, line_start from coverage_matrix
                         where indication_id = ? order by policy_id, line_start""", [indication]).fetchall()


def test_renal_cell_carcinoma_row(kb):
    assert _matrix(kb, "renal-cell-carcinoma") == [
        ("bcbsma-260", "medically necessary", "direct", "localized renal cell carcinoma", 41),
        ("bcbsma-260", "investigational", "direct",
         "benign or malignant tumors of the breast, lung (other than defined above), pancreas, or bone and other "
         "solid tumors or metastases outside the liver and prostate and to treat renal cell carcinomas in patients "
         "who are surgical candidates", 51),
        ("medmutual-200802", "medically necessary", "direct", "Renal cell carcinoma", 49),
        ("premera-7.01.92", "medically necessary", "direct", "localized renal cell carcinoma", 36),
        ("premera-7.01.92", "investigational", "direct",
         "Renal cell carcinomas in individuals who are surgical candidates", 40),
        ("unnamed-solid-tumors-outside-liver", "medically necessary", "via kidney-neoplasms", "Kidney tumors", 28),
    ]
    criteria = kb.execute("""select criteria_logic, criteria from coverage_matrix
                             where indication_id = 'renal-cell-carcinoma' and policy_id = 'medmutual-200802'""").fetchone()
    assert criteria[0] == "all"
    assert criteria[1].split("\n")[:2] == ["Renal cell carcinoma documented histologically [and]",
                                           "Lesion ≤ 7 cm (Stage T1) [and]"]


def test_lung_cancer_row(kb):
    assert _matrix(kb, "lung-neoplasms") == [
        ("bcbsma-260", "medically necessary", "direct", "lung cancer", 46),
        ("bcbsma-260", "investigational", "direct",
         "benign or malignant tumors of the breast, lung (other than defined above), pancreas, or bone and other "
         "solid tumors or metastases outside the liver and prostate and to treat renal cell carcinomas in patients "
         "who are surgical candidates", 51),
        ("premera-7.01.92", "medically necessary", "direct", "lung cancer", 37),
        ("premera-7.01.92", "investigational", "direct", "Lung tumors and lung metastases (other than defined above)",
         40),
        ("unnamed-solid-tumors-outside-liver", "medically necessary", "direct", "Lung cancer", 32),
    ]


def test_sites_named_as_exceptions_do_not_count(kb):
    """"metastases outside the liver and prostate" covers neither the liver nor the prostate."""
    mapped = {row[0] for row in kb.execute(
        "select indication_id from statement_indications where statement_id = 'bcbsma-260:statement:3'")}
    assert mapped == {"breast-neoplasms", "lung-neoplasms", "pancreatic-neoplasms", "bone-neoplasms",
                      "metastases-other", "solid-tumors-other", "renal-cell-carcinoma"}


def test_every_statement_maps_to_an_indication(kb):
    assert kb.execute("""select count(*) from statements
                         where id not in (select statement_id from statement_indications)""").fetchone()[0] == 0


def test_indication_vocabulary_is_well_formed(curation):
    entries = curation.indications
    ids = [e.id for e in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:
        assert entry.broader in (None, *ids)
        for pattern in entry.patterns:
            re.compile(pattern)
        if entry.mesh:
            assert re.fullmatch(r"D\d{6}", entry.mesh.id) and entry.mesh.heading
