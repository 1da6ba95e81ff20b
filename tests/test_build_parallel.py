"""The build at scale gives what it gave before: documents parsed across processes give the tables one
process gives, a parse cache gives them again, and the blocked cross-policy steps (works matched without a
PMID, passages naming another paper) find what a scan of every entry finds."""
from __future__ import annotations

import random
import sqlite3

import pytest
from rapidfuzz import fuzz

from kb.pipeline import build
from kb.resolve.anomalies import _Listed
from kb.resolve.works import AUTHOR_MATCH, TITLE_MATCH, _Candidate, _Candidates
from kb.text import fold

from .conftest import DATA, absent_cache


def _tables(path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    names = [n for n, in conn.execute("select name from sqlite_master where type = 'table' order by name")]
    return {name: conn.execute(f"select * from [{name}] order by rowid").fetchall() for name in names
            if not name.endswith(("_fts_data", "_fts_idx", "_fts_docsize", "_fts_config"))}


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    folder = tmp_path_factory.mktemp("one-process")
    report = build(folder / "kb.db", DATA, cache_path=absent_cache(folder), workers=1)
    return folder / "kb.db", report


def test_parsing_across_processes_gives_the_tables_of_one_process(kb_path, one_process):
    """kb_path (conftest) is built with a process per core; every table is the same, row for row, in order."""
    parallel, single = _tables(kb_path), _tables(one_process[0])
    assert parallel.keys() == single.keys() and len(parallel["lines"]) > 1000
    assert {name for name in parallel if parallel[name] != single[name]} == set()


def test_problems_are_told_in_document_order_with_file_and_line(tmp_path, one_process):
    seen = []
    report = build(tmp_path / "kb.db", DATA, cache_path=absent_cache(tmp_path), workers=2, on_problem=seen.append)
    assert report.parsed == 5 and report.reused == 0
    assert [(p.source, p.line, p.code, p.message) for p in seen] == [
        (p.source, p.line, p.code, p.message) for p in one_process[1].problems]
    assert seen[0].line >= 1 and seen[0].source.endswith(".txt")
    again = build(tmp_path / "kb.db", DATA, cache_path=absent_cache(tmp_path), workers=2)
    assert (again.parsed, again.reused) == (0, 5)
    assert again.counts == report.counts
    assert _tables(tmp_path / "kb.db")["problems"] == _tables(one_process[0])["problems"]


def _scan(ref: dict, candidates: list[_Candidate]):
    """The definition the blocked matcher keeps: every work seen, in order; the best title wins, the first
    seen among equals."""
    title = fold(ref["title"])
    if len(title.split()) < 4:
        return None
    author, year = fold(ref["first_author"]), ref["year"]
    best = None
    for cand in candidates:
        if year and cand.year and year != cand.year:
            continue
        if fuzz.ratio(author, cand.author) < AUTHOR_MATCH:
            continue
        score = fuzz.token_set_ratio(title, cand.title)
        if score >= TITLE_MATCH and (best is None or score > best[1]):
            best = (cand, score)
    return best


def _references(kb) -> list[dict]:
    return list(kb.query("select first_author, year, title from policy_references where title is not null"))


def test_blocked_work_matching_finds_what_a_scan_finds(kb):
    refs = _references(kb)
    rng = random.Random(7)
    seen: list[_Candidate] = []
    blocked = _Candidates()
    for i, ref in enumerate(refs):
        cand = _Candidate(f"w{i}", fold(ref["first_author"]), rng.choice([ref["year"], ref["year"], None]),
                          fold(ref["title"]))
        seen.append(cand)
        blocked.add(cand)
        seen.append(cand := _Candidate(f"w{i}-copy", cand.author, cand.year, cand.title))  # equal scores: first wins
        blocked.add(cand)
    probes = refs + [{**ref, "year": None} for ref in refs[:50]] + [
        {**ref, "first_author": ref["first_author"] + "x"} for ref in refs[:50] if ref["first_author"]] + [
        {**ref, "title": ref["title"][:-3]} for ref in refs[:100]]  # a near title: a score under 100
    found = [blocked.match(ref) for ref in probes]
    assert found == [_scan(ref, seen) for ref in probes]
    assert sum(f is not None for f in found) > 200 and any(f and f[1] < 100 for f in found)


def test_named_papers_are_found_as_by_a_scan(kb):
    refs = list(kb.query("select id, policy_id, first_author, year, number from policy_references order by id"))
    by_work = {"a": refs[::2], "b": refs[1::2]}
    listed = _Listed(by_work)
    ordered = [r for work in by_work.values() for r in work]
    names = {(r["first_author"], r["year"]) for r in refs if r["first_author"] and r["year"]}
    names |= {(name[:-1] + "e", year) for name, year in list(names)[:40]}  # near, not equal
    for name, year in sorted(names):
        expected = [r for r in ordered
                    if r["year"] == year and fuzz.ratio(fold(name), fold(r["first_author"])) >= AUTHOR_MATCH]
        assert listed.named(name, year) == expected
    assert any(len(listed.named(name, year)) > 1 for name, year in names)
