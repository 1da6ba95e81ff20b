"""The SQLite knowledge base: identical rebuilds, keys that resolve, provenance that reads back."""
from __future__ import annotations

import sqlite3

import pytest

from kb.pipeline import build

from .conftest import DATA, absent_cache


def _dump(path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [line for line in conn.iterdump() if "sqlite_stat" not in line]


def test_building_twice_gives_identical_content(kb_path, tmp_path):
    again = tmp_path / "again.db"
    build(again, DATA, cache_path=absent_cache(tmp_path))
    assert _dump(again) == _dump(kb_path)


def test_a_missing_pubmed_cache_is_an_empty_one(kb, kb_path):
    """The session build names a cache that does not exist: it loads no article, and creates no cache."""
    assert not absent_cache(kb_path.parent).exists()
    assert kb["pubmed_articles"].count == 0 and kb["citation_matches"].count == 0
    assert kb.execute("select enrichment, count(*) from works group by 1 order by 1").fetchall() == [
        ("no PMID", 33), ("not fetched", 138)]


def test_foreign_keys_all_resolve(kb):
    assert kb.execute("pragma foreign_key_check").fetchall() == []
    assert kb["statements"].foreign_keys and kb["citation_targets"].foreign_keys


def test_table_counts(kb):
    counts = {t: kb[t].count for t in ("policies", "statements", "criteria", "thresholds", "codes",
                                        "policy_references", "citations", "citation_targets", "registered_trials",
                                        "policy_history", "lines")}
    assert counts == {"policies": 5, "statements": 23, "criteria": 34, "thresholds": 9, "codes": 37,
                      "policy_references": 257, "citations": 57, "citation_targets": 138,
                      "registered_trials": 5, "policy_history": 40, "lines": 1413}


def test_every_span_reads_back_from_the_stored_text(kb):
    """substr(policies.text, char span) is what each row says it came from; lines agree with line ranges."""
    rows = kb.execute("""
        select c.marker, substr(p.text, c.char_start + 1, c.char_end - c.char_start), l.text, c.line_start
        from citations c join policies p on p.id = c.policy_id
        join lines l on l.policy_id = c.policy_id and l.n = c.line_start""").fetchall()
    assert len(rows) == 57
    for marker, spanned, line, _ in rows:
        assert spanned == marker and marker in line
    mismatched = kb.execute("""
        select r.id from policy_references r join policies p on p.id = r.policy_id
        join lines l on l.policy_id = r.policy_id and l.n = r.line_start
        where instr(l.text, substr(p.text, r.char_start + 1, 20)) = 0""").fetchall()
    assert mismatched == []


def test_full_text_search_finds_references_and_statements(kb):
    solstice = kb.execute("""select r.policy_id, r.number from policy_references_fts f
                             join policy_references r on r.rowid = f.rowid
                             where policy_references_fts match 'SOLSTICE' order by r.policy_id""").fetchall()
    assert solstice == [("bcbsma-260", 20), ("premera-7.01.92", 15), ("unnamed-solid-tumors-outside-liver", 69)]
    breast = kb.execute("select count(*) from statements_fts where statements_fts match 'breast'").fetchone()[0]
    assert breast == 3


def test_issuers_come_from_the_manifest(kb):
    rows = kb.execute("select id, issuer, issuer_line from policies order by id").fetchall()
    assert rows == [("bcbsks-liver-tumors", "Blue Cross and Blue Shield of Kansas", 32),
                    ("bcbsma-260", "Blue Cross Blue Shield of Massachusetts", 7),
                    ("medmutual-200802", None, 36),
                    ("premera-7.01.92", "Premera", 325),
                    ("unnamed-solid-tumors-outside-liver", None, None)]


def test_problems_table_holds_what_the_build_noted(kb):
    rows = kb.execute("select severity, code, count(*) from problems group by 1, 2 order by 1, 2").fetchall()
    assert rows == [("info", "coverage-boilerplate", 3),  # "Contracts exclude ... services that are ..."
                    ("info", "coverage-sentence-not-extracted", 6),  # positions restated outside the policy
                    ("info", "page-furniture", 1),  # medmutual's running header "Medical Policy"
                    ("info", "reference-number-inferred", 1), ("info", "reference-without-year", 7)]


def test_a_compact_row_reads_and_writes_as_a_dict_row():
    from kb.store.rows import compact_row_type

    Row = compact_row_type(("id", "pmid", "work_id"))
    row = Row({"id": "p:reference:1", "pmid": "123", "work_id": None, "title": "not kept"})
    row.update(work_id="pmid:123")
    row["pmid"] = "124"
    assert (row["id"], row["pmid"], row["work_id"], row.get("title"), row.get("title", "-")) == \
        ("p:reference:1", "124", "pmid:123", None, "-")
    assert dict(zip(row.keys(), (row[c] for c in row.keys()))) == {"id": "p:reference:1", "pmid": "124",
                                                                   "work_id": "pmid:123"}
    with pytest.raises(KeyError, match="title"):
        row["title"]
    with pytest.raises(KeyError, match="title"):
        row["title"] = "x"
    with pytest.raises(AttributeError):
        row.title = "x"  # no room for a column it was not made with


@pytest.mark.parametrize("change", ["missing", "extra", "renamed"])
def test_a_row_whose_columns_disagree_with_the_schema_is_refused(tmp_path, change):
    import sqlite_utils

    from kb.store.write import create_tables, insert_rows

    db = sqlite_utils.Database(tmp_path / "kb.db")
    create_tables(db)
    row = {"id": "nccn", "name": "NCCN"}
    row = {"missing": {"id": "nccn"}, "extra": {**row, "url": "x"}, "renamed": {"id": "nccn", "label": "NCCN"}}[change]
    with pytest.raises(ValueError, match=r"guideline_bodies: row columns \[.*\] disagree with the schema"):
        insert_rows(db, "guideline_bodies", [{"id": "asco", "name": "ASCO"}, row])
    assert db.execute("select id, name from guideline_bodies").fetchall() == [("asco", "ASCO")]  # rows before it


@pytest.mark.parametrize("change", ["missing", "extra", "renamed"])
def test_a_held_row_whose_columns_disagree_with_the_schema_is_refused(change):
    """The rows a build holds until resolve are slot rows; one with other columns is refused as inserting it is."""
    from kb.store.rows import compact_row_type

    Row = compact_row_type(("id", "name"), "guideline_bodies")
    held = Row({"id": "nccn", "name": "NCCN"})
    assert (held["name"], held.get("url"), len(held), dict(held)) == ("NCCN", None, 2, {"id": "nccn", "name": "NCCN"})
    row = {"missing": {"id": "nccn"}, "extra": {"id": "nccn", "name": "NCCN", "url": "x"},
           "renamed": {"id": "nccn", "label": "NCCN"}}[change]
    with pytest.raises(ValueError, match=r"guideline_bodies: row columns \[.*\] disagree with the schema"):
        Row(row)


def test_held_rows_keep_one_copy_of_a_shared_value():
    """Every policy's reference to a work repeats its title: the held rows keep it once (for as long as their type)."""
    from kb.store.rows import compact_row_type

    Row = compact_row_type(("id", "title", "pages"), shared=("title", "pages"))
    first, second = (Row({"id": f"p{n}:reference:1", "title": "".join(["Cryoablation ", "of renal masses"]),
                          "pages": None}) for n in (1, 2))
    assert first["title"] == second["title"] == "Cryoablation of renal masses"
    assert first["title"] is second["title"] and first["id"] is not second["id"]
    assert second["pages"] is None
