"""Every canned query's plan, as SQLite makes it for a large knowledge base: no full pass over a table an
index should serve, and no index SQLite has to build for the request (a missing one), but where allowed
below, with the reason.

The seed knowledge base is small, and with its statistics SQLite would rightly scan its tiny tables; without
them (sqlite_stat1 dropped from a copy) it plans as for tables of a million rows, as at 10,000 policies.
"""
from __future__ import annotations

import re
import shutil
import sqlite3

import pytest

from kb.queries import load_queries, parameters
from kb.store.schema import TABLES

QUERIES = load_queries()

# (query, table or alias scanned whole, or given an automatic index): why that is what the query needs.
SCANS = {
    ("audit_findings", "a"): "every finding, in the order of the index on checked; findings are few",
    ("coverage_by_indication", "s"): "every statement, ordered by its indication lower-cased (no index orders by an "
                                     "expression); a statement per position, tens of thousands at most",
    ("indication_coverage_matrix", "coverage_matrix"): "every row, streamed in the order the build wrote them "
                                                       "(indication, policy, statement)",
    ("policy_pair_overlap", "policy_overlap"): "every pair, streamed in the order of the index on jaccard",
    ("references_cited_by_several_policies", "shared_references"): "every shared reference, streamed in the "
                                                                    "order of the index on policies",
    ("statements_with_evidence", "s"): "every statement, streamed in the order of the index on policy_id",
    ("works_cited_by_one_issuer", "c"): "every work, streamed in the order of the index on cited_by",
    ("works_ranked_by_issuers", "c"): "every work, streamed in the order of the index on rank",
    ("since_last_review", "l"): "the lineage of the indication vocabulary, built by the query itself (and indexed "
                                "by SQLite for the join)",
}
SCAN = re.compile(r"^(SCAN (?P<table>\w+)|SEARCH (?P<indexed>\w+) USING AUTOMATIC)")


def _passes(plan: list[str]) -> set[str]:
    """The tables or aliases the plan reads whole, or builds an index on."""
    return {m["table"] or m["indexed"] for step in plan if (m := SCAN.match(step))}


@pytest.fixture(scope="module")
def unanalysed(kb_path, tmp_path_factory):
    copy = tmp_path_factory.mktemp("plans") / "kb.db"
    shutil.copy(kb_path, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("drop table sqlite_stat1")
    return sqlite3.connect(copy)  # a new connection: the statistics stay loaded in the old one


def _plan(conn, sql: str) -> list[str]:
    return [row[3] for row in conn.execute(f"explain query plan {sql}", dict.fromkeys(parameters(sql), "x"))]


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_no_full_scan_an_index_should_serve(unanalysed, name):
    plan = _plan(unanalysed, QUERIES[name]["sql"])
    assert {table for table in _passes(plan) if (name, table) not in SCANS} == set(), plan


@pytest.mark.parametrize("table", sorted(name for name, table in TABLES.items() if table.sort_key))
def test_a_table_page_reads_its_rows_in_order_from_an_index(unanalysed, table):
    """Datasette orders a table's pages by sort_key (metadata.yml): the first page reads 51 rows, it sorts none."""
    plan = _plan(unanalysed, f"select * from [{table}] order by sort_key limit 51")
    assert plan == [f"SCAN {table} USING INDEX idx_{table}_sort_key"]


def test_the_allowances_are_all_used(unanalysed):
    """An allowance no plan needs any more is removed, so the list says only what is true."""
    used = {(name, table) for name, query in QUERIES.items() for table in _passes(_plan(unanalysed, query["sql"]))}
    assert set(SCANS) <= used


def test_the_check_can_fail(unanalysed):
    """A query on an unindexed column scans its table, and a join on one makes SQLite build an index."""
    assert _passes(_plan(unanalysed, "select * from policy_references where raw = :raw")) == {"policy_references"}
    assert "c" in _passes(_plan(unanalysed, "select * from policies p join citations c on c.marker = p.title"))
