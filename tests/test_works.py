"""References deduplicated into works across policies, and the anomalies between their citations."""
from __future__ import annotations

from kb.text import expand_pages, fold


def _citing(kb, work_id):
    return kb.execute("select policy_id, number from policy_references where work_id = ? order by policy_id",
                      [work_id]).fetchall()


def test_work_counts(kb):
    assert kb["works"].count == 171
    shared = kb.execute("select count(*) from works where n_policies > 1").fetchone()[0]
    assert shared == 58  # 55 by PMID, plus Ratko (a PMID in one policy only), Suzuki and Tanaka by fuzzy match


def test_named_trials_resolve_to_their_works_and_every_citing_policy(kb):
    assert _citing(kb, "pmid:32151777") == [("bcbsma-260", 20), ("premera-7.01.92", 15),
                                            ("unnamed-solid-tumors-outside-liver", 69)]  # SOLSTICE
    assert _citing(kb, "pmid:26230972") == [("bcbsma-260", 21), ("premera-7.01.92", 16),
                                            ("unnamed-solid-tumors-outside-liver", 70)]  # ECLIPSE 1-year interim
    assert _citing(kb, "pmid:34384914") == [("premera-7.01.92", 17)]  # ECLIPSE 5-year
    assert _citing(kb, "pmid:25284802") == [("bcbsks-liver-tumors", 2),
                                            ("unnamed-solid-tumors-outside-liver", 44)]  # Wang 2015 RCT


def test_references_without_pmid_meet_their_work_by_fuzzy_match(kb):
    rows = kb.execute("""select policy_id, number, match_method, match_score from policy_references
                         where work_id = 'pmid:23865091' order by policy_id""").fetchall()
    assert rows == [("bcbsma-260", 19, "fuzzy", 100.0), ("premera-7.01.92", 19, "fuzzy", 100.0),
                    ("unnamed-solid-tumors-outside-liver", 49, "pmid", None)]
    suzuki = kb.execute("select n_policies, pmid from works where id like 'work:suzuki-1995%'").fetchall()
    assert suzuki == [(3, None)]


def test_guideline_versions_stay_separate_works(kb):
    kidney = [r[0] for r in kb.execute("select id from works where id like 'guideline:nccn-kidney%' order by id")]
    assert kidney == ["guideline:nccn-kidney-cancer", "guideline:nccn-kidney-cancer-1-2025",
                      "guideline:nccn-kidney-cancer-2-2020", "guideline:nccn-kidney-cancer-3-2025"]


def test_author_spelling_anomalies(kb):
    rows = kb.execute("""select a.value, a.other_value, r.policy_id, r.line_start, o.policy_id, o.line_start
                         from citation_anomalies a join policy_references r on r.id = a.reference_id
                         join policy_references o on o.id = a.other_reference_id
                         where a.kind = 'author-spelling' order by a.work_id, r.policy_id, a.field""").fetchall()
    assert rows == [
        ("Pfleiderer", "Pfeleiderer", "premera-7.01.92", 278, "bcbsma-260", 201),
        ("Pfliederer", "Pfeleiderer", "unnamed-solid-tumors-outside-liver", 235, "bcbsma-260", 201),
        ("Freman-Gibb", "Freeman-Gibb", "unnamed-solid-tumors-outside-liver", 241, "bcbsma-260", 205),
        ("Traoré", "Traore", "premera-7.01.92", 280, "bcbsma-260", 203),
        ("Klatte", "Klätte", "unnamed-solid-tumors-outside-liver", 203, "bcbsma-260", 230),
        ("Grubmuller", "Grubmüller", "unnamed-solid-tumors-outside-liver", 203, "bcbsma-260", 230),
        ("Klatte", "Klätte", "premera-7.01.92", 248, "bcbsma-260", 227),
        ("Klatter", "Klätte", "unnamed-solid-tumors-outside-liver", 223, "bcbsma-260", 227),
        ("Rücker", "Rucker", "premera-7.01.92", 247, "bcbsma-260", 224),
    ]


def test_a_passage_describing_a_paper_the_list_lacks(kb):
    rows = kb.execute("""select a.detail, c.line_start, o.policy_id, o.number from citation_anomalies a
                         join citations c on c.id = a.citation_id
                         join policy_references o on o.id = a.other_reference_id
                         where a.kind = 'text-describes-unlisted-paper'""").fetchall()
    assert len(rows) == 1
    detail, line, policy, number = rows[0]
    assert (line, policy, number) == (127, "premera-7.01.92", 17)
    assert detail.startswith("the passage names de Baère (2021), but its marker <sup>[70]</sup> points to "
                             "de Baere (2015)")


def test_empty_and_missing_pmids(kb):
    empty = kb.execute("""select r.number, a.value from citation_anomalies a
                          join policy_references r on r.id = a.reference_id
                          where a.kind = 'pmid-empty' order by r.number""").fetchall()
    assert empty == [(54, "No PMID Entry"), (72, "")]
    known_elsewhere = kb.execute("""select count(*) from citation_anomalies
                                    where kind = 'pmid-missing' and other_value is not null""").fetchone()[0]
    assert known_elsewhere == 2  # Ratko, whose PMID only the unnamed policy gives


def test_normalisation_helpers():
    assert fold("Klätte T") == fold("klatte t") == "klatte t"
    assert expand_pages("1200-09") == "1200-1209"
    assert expand_pages("921-7") == "921-927"
    assert expand_pages("CD006579") == "CD006579"


def test_resolve_returns_new_tables_and_leaves_its_input_as_it_was(parsed):
    """Stages hand values down: resolving links copies of the parsed rows, never the parsed rows themselves."""
    import copy

    from kb.curation import load_curation, load_manifest
    from kb.resolve import resolve
    from kb.store.rows import policy_rows
    from kb.store.schema import TABLES

    from .conftest import DATA
    tables = {name: [] for name in TABLES}
    for entry in load_manifest(DATA):
        for name, rows in policy_rows(entry, parsed[entry.id]).items():
            tables[name] += rows
    before = copy.deepcopy(tables)
    resolved, problems = resolve(tables, load_curation(DATA / "curation"), "trials.yml")
    assert tables == before and problems == []
    assert len(resolved["works"]) == 171 and all(r["work_id"] for r in resolved["policy_references"])
    assert all(r.get("work_id") is None for r in tables["policy_references"])
