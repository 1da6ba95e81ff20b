"""The aggregates the build computes: policy_overlap (every pair counted right, and each policy's closest
others kept, by Jaccard index, then works shared, then id) and work_citers, as direct counts give them."""
from __future__ import annotations

import sqlite3

import sqlite_utils

from kb.store.aggregates import write_policy_overlap
from kb.store.schema import TABLES
from kb.store.write import create_tables, insert_rows

ALL_PAIRS = """
    with cited as (select distinct policy_id, work_id from policy_references where work_id is not null)
    select x.policy_id as policy_a, y.policy_id as policy_b, count(*) as shared_works,
           (select count(distinct work_id) from cited where policy_id in (x.policy_id, y.policy_id)) as all_works
    from cited x join cited y on y.work_id = x.work_id and x.policy_id < y.policy_id
    group by x.policy_id, y.policy_id"""


def test_the_seeds_every_pair_that_shares_a_work(kb_path):
    """Five policies: every pair that shares a work is among each one's closest, with the counts of a direct join."""
    conn = sqlite3.connect(kb_path)
    expected = {(a, b, shared, union, round(shared / union, 3)) for a, b, shared, union in conn.execute(ALL_PAIRS)}
    stored = set(conn.execute("select policy_a, policy_b, shared_works, all_works, jaccard from policy_overlap"))
    assert stored == expected
    assert ("bcbsma-260", "premera-7.01.92", 36, 76, 0.474) in stored


def _corpus(path, cites: dict[str, list[str]]) -> sqlite3.Connection:
    """A knowledge base whose policies cite the given works (one reference each), and nothing else."""
    db = sqlite_utils.Database(path)
    create_tables(db)
    empty = {name: dict.fromkeys(TABLES[name].column_types) for name in ("policies", "policy_references")}
    insert_rows(db, "policies", [empty["policies"] | {"id": p} for p in cites])
    insert_rows(db, "policy_references", [empty["policy_references"] | {"id": f"{p}:{i}", "policy_id": p, "work_id": w}
                                          for p, works in cites.items() for i, w in enumerate(works)])
    return db.conn


def test_each_policy_keeps_its_closest(tmp_path):
    conn = _corpus(tmp_path / "kb.db", {
        "a": ["w1", "w2", "w3"],
        "b": ["w1", "w2", "w3", "w4"],   # a-b: 3 of 4
        "c": ["w1", "w2", "w5", "w5"],   # a-c: 2 of 4 (w5 twice counts once); b-c: 2 of 5
        "d": ["w1", "w2", "w6", "w7"],   # a-d: 2 of 5; b-d: 2 of 6; c-d: 2 of 5
        "e": ["w8", None],               # shares nothing: in no pair
    })
    assert write_policy_overlap(conn, top=1) == 3
    assert list(conn.execute("select * from policy_overlap order by policy_a, policy_b")) == [
        ("a", "b", 3, 4, 0.75),   # the closest of a and of b
        ("a", "c", 2, 4, 0.5),    # the closest of c
        ("a", "d", 2, 5, 0.4),    # d's closest: a, c tie at 2 of 5, and a comes first
    ]


def test_ties_go_to_most_shared_then_id(tmp_path):
    """p is as close to s (1 work of 9) as to v (2 of 18), and v and v2 are alike: v is p's closest."""
    conn = _corpus(tmp_path / "kb.db", {
        "p": [f"w{i}" for i in range(1, 9)],
        "s": ["w1", "x"], "s2": ["w1", "x"],  # twins: each the other's closest
        "v": ["w2", "w3"] + [f"y{i}" for i in range(10)], "v2": ["w2", "w3"] + [f"y{i}" for i in range(10)],
    })
    write_policy_overlap(conn, top=1)
    assert list(conn.execute("select * from policy_overlap order by policy_a, policy_b")) == [
        ("p", "v", 2, 18, 0.111), ("s", "s2", 2, 2, 1.0), ("v", "v2", 12, 12, 1.0)]


def test_work_citers_agree_with_the_references(kb_path):
    """Each work's issuers and policies, as a direct count over the references gives them; cited_by sorted."""
    conn = sqlite3.connect(kb_path)
    direct = set(conn.execute("""
        select r.work_id, count(distinct pi.issuer), count(distinct r.policy_id) from policy_references r
        join policy_issuers pi on pi.policy_id = r.policy_id where r.work_id is not null group by r.work_id"""))
    stored = list(conn.execute("select work_id, issuers, policies, cited_by from work_citers"))
    assert {row[:3] for row in stored} == direct and len(stored) == len(direct)
    assert all(cited_by.split(",") == sorted(cited_by.split(",")) and len(cited_by.split(",")) == issuers
               for _, issuers, _, cited_by in stored)
    assert max(issuers for _, issuers, _, _ in stored) == 3
    ranked = [row[1:] for row in sorted(conn.execute("""
        select c.rank, c.issuers, c.policies, w.first_author, w.id from work_citers c join works w on w.id = c.work_id"""))]
    assert ranked == sorted(ranked, key=lambda r: (-r[0], -r[1], r[2] or "", r[3]))


def test_policy_indications_are_the_coverage_views_pairs(kb_path):
    """The pairs the searches since a review start from: exactly the (policy, indication) pairs of coverage_matrix."""
    with sqlite3.connect(kb_path) as conn:
        table = conn.execute("select policy_id, indication_id from policy_indications").fetchall()
        view = conn.execute("select distinct policy_id, indication_id from coverage_matrix").fetchall()
    assert len(table) == len(view) > 20 and set(table) == set(view)


def test_indication_background_is_what_the_links_give(kb_path):
    """Per indication, the works cited only as background: exactly what aggregating the statements' links gives."""
    links = """select m.indication_id, e.work_id, count(distinct m.policy_id), min(e.role_reason)
               from coverage_matrix m join statement_citations e on e.statement_id = m.statement_id
               where e.role = 'background' and e.work_id is not null and e.work_id not in (
                 select x.work_id from coverage_matrix n join evidence x on x.statement_id = n.statement_id
                 where n.indication_id = m.indication_id and x.work_id is not null)
               group by m.indication_id, e.work_id"""
    with sqlite3.connect(kb_path) as conn:
        table = conn.execute("select indication_id, work_id, policies, reason from indication_background").fetchall()
        expected = conn.execute(links).fetchall()
    assert len(table) == len(expected) > 50 and set(table) == set(expected)


def test_coverage_matrix_is_every_statement_under_its_indication_and_the_narrower_ones(kb_path):
    """Worked out here from the vocabulary's broader links: a statement about an indication applies to it
    directly and, "via" it, to every narrower indication."""
    with sqlite3.connect(kb_path) as conn:
        broader = dict(conn.execute("select id, broader_id from indications"))
        policy_of = dict(conn.execute("select id, policy_id from statements"))
        expected = set()
        for statement, named in conn.execute("select statement_id, indication_id from statement_indications"):
            for indication in broader:
                lineage, at = [], indication
                while at:
                    lineage.append(at)
                    at = broader[at]
                if named in lineage:
                    expected.add((indication, statement, policy_of[statement],
                                  "direct" if named == indication else f"via {named}"))
        table = conn.execute("select indication_id, statement_id, policy_id, mapping from coverage_matrix").fetchall()
    assert len(table) == len(set(table)) == len(expected) > 40 and set(table) == expected
    assert any(mapping.startswith("via ") for *_, mapping in table)


def test_indication_evidence_is_what_the_links_give(kb_path):
    """Per indication, the works cited as evidence and how many policies cite each so: what the evidence view gives."""
    links = """select m.indication_id, e.work_id, count(distinct e.policy_id)
               from coverage_matrix m join evidence e on e.statement_id = m.statement_id
               where e.work_id is not null group by m.indication_id, e.work_id"""
    with sqlite3.connect(kb_path) as conn:
        table = conn.execute("select indication_id, work_id, policies from indication_evidence").fetchall()
        expected = conn.execute(links).fetchall()
    assert len(table) == len(expected) > 50 and set(table) == set(expected)
