"""Guidelines as nodes, joined across mentions, with the recommendations policies quote."""
from __future__ import annotations


def test_text_mentions_join_the_listed_guideline(kb):
    rows = kb.execute("""select line_start, guideline_id from guideline_mentions
                         where policy_id = 'premera-7.01.92' and source = 'text' order by line_start""").fetchall()
    assert rows == [(177, "pmid:35550799"), (181, "pmid:34115547"), (204, "guideline:nccn-kidney-cancer-3-2025"),
                    (210, "guideline:nccn-non-small-cell-lung-cancer-4-2025"),
                    (222, "guideline:nccn-adult-cancer-pain-2-2025")]


def test_versions_are_separate_guidelines(kb):
    kidney = kb.execute("""select id, version, n_policies from guidelines
                           where body = 'NCCN' and topic = 'Kidney Cancer' order by id""").fetchall()
    assert kidney == [("guideline:nccn-kidney-cancer", None, 1), ("guideline:nccn-kidney-cancer-1-2025", "1.2025", 1),
                      ("guideline:nccn-kidney-cancer-2-2020", "2.2020", 1),
                      ("guideline:nccn-kidney-cancer-3-2025", "3.2025", 1)]


def test_recommendations_with_levels(kb):
    aua = kb.execute("""select label, level_of_recommendation, level_of_evidence, line_start, line_end
                        from guideline_recommendations where guideline_id = 'pmid:34115547'
                        order by line_start""").fetchall()
    assert aua == [("Guideline statement 25", "Moderate", "C", 187, 192),
                   ("Guideline statement 26", "Conditional", "C", 194, 194),
                   ("Guideline statement 28", "Strong", "B", 196, 196)]
    statement_25 = kb.execute("""select text from guideline_recommendations
                                 where label = 'Guideline statement 25'""").fetchone()[0]
    assert statement_25.endswith("a percutaneous technique is preferred over a surgical approach whenever feasible to "
                                 "minimize morbidity.")  # continued across the page break
    nccn = kb.execute("""select guideline_id, category, line_start, line_end from guideline_recommendations
                         where policy_id = 'bcbsks-liver-tumors' order by line_start""").fetchall()
    assert nccn == [("guideline:nccn-hepatobiliary-cancers-3-2021", "2A", 305, 314),
                    ("guideline:nccn-neuroendocrine-and-adrenal-tumors-2-2021", "2B", 322, 322),
                    ("guideline:nccn-colon-cancer-2-2021", "2A", 324, 324)]


def test_quotes_with_no_guideline_named_before_them_are_not_recommendations(kb):
    lines = {r[0] for r in kb.execute("select line_start from guideline_recommendations "
                                      "where policy_id = 'bcbsks-liver-tumors'")}
    assert 207 not in lines and 213 not in lines  # a Cochrane review's words, a study's inclusion criterion
