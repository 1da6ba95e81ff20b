"""The evidence graph: written from the store as nodes and edges by the model's SQL, and read back as networkx."""
from __future__ import annotations

import json

import pytest
import sqlite_utils
from click.testing import CliRunner

from kb.cli import cli
from kb.graph import EDGE_TYPES, EDGES, NODE_TYPES, NODES, load_graph, write_graph_rows
from kb.store.write import create_tables, finish_tables

from .conftest import ROOT


@pytest.fixture(scope="module")
def graph(kb):
    return load_graph(kb)


def test_the_model_reads_every_type_of_node_and_edge():
    assert sorted({n.type for n in NODES}) == sorted(NODE_TYPES)
    assert sorted({e.type for e in EDGES}) == sorted(EDGE_TYPES)


def test_the_graph_read_back_is_the_one_written(kb, graph):
    nodes = {row[0]: row[1:] for row in kb.execute("select id, type, label, degree, attributes from nodes")}
    assert len(graph) == len(nodes) == 804
    node = graph.nodes["statement/bcbsks-liver-tumors:statement:1"]
    assert (node["type"], node["table"], node["span"]["policy"]) == ("statement", "statements", "bcbsks-liver-tumors")
    assert node["props"] == json.loads(nodes["statement/bcbsks-liver-tumors:statement:1"][3])["props"]
    assert graph.number_of_edges() == kb.execute("select count(*) from edges").fetchone()[0] == 1717
    assert all(graph.degree(n) == degree for n, (_, _, degree, _) in nodes.items())


@pytest.fixture()
def small_store(tmp_path):
    """A store of two policies that list one code, and name one related policy twice, titled differently."""
    db = sqlite_utils.Database(tmp_path / "kb.db")
    create_tables(db)
    finish_tables(db)
    for n in (1, 2):
        db["policies"].insert({"id": f"p{n}", "title": f"Policy {n}", "issuer": "Payer", "file": f"p{n}.md"})
        db["codes"].insert({"id": f"p{n}:code:1", "policy_id": f"p{n}", "system": "CPT", "code": "20983",
                            "status": "covered" if n == 1 else ""})
    db["related_policies"].insert_all([
        {"id": "p1:related:1", "policy_id": "p1", "relation": "related", "number": "7.01.1", "title": "Old title"},
        {"id": "p1:related:2", "policy_id": "p1", "relation": "replaces", "number": "7.01.1", "title": "New title"}])
    return db


def test_a_node_read_again_keeps_the_data_read_last(small_store):
    write_graph_rows(small_store)
    nodes = {row[0]: row[1:] for row in small_store.execute("select id, label, degree, attributes from nodes")}
    assert nodes["external_policy/Payer:7.01.1"][0] == "New title"
    assert json.loads(nodes["external_policy/Payer:7.01.1"][2]) == {"props": {"number": "7.01.1",
                                                                              "title": "New title"}}
    assert nodes["code/CPT:20983"][:2] == ("CPT 20983", 2)  # one node, listed by both policies
    assert nodes["issuer/Payer"][1] == 2
    edges = dict(small_store.execute("select id, attributes from edges where type = 'lists_code'").fetchall())
    assert {key: json.loads(value) for key, value in edges.items()} == {  # an empty status stays, a null would not
        "policy/p1|lists_code:p1:code:1|code/CPT:20983": {"status": "covered"},
        "policy/p2|lists_code:p2:code:1|code/CPT:20983": {"status": ""}}
    related = small_store.execute("select id from edges where target = 'external_policy/Payer:7.01.1'").fetchall()
    assert sorted(edge for edge, in related) == ["policy/p1|related_to:p1:related:1|external_policy/Payer:7.01.1",
                                                 "policy/p1|replaces:p1:related:2|external_policy/Payer:7.01.1"]


def test_an_edge_to_a_missing_node_is_an_error(small_store):
    small_store["statements"].insert({"id": "p1:statement:1", "policy_id": "p1", "section_id": "p1:section:9",
                                      "indication": "renal", "status": "covered"})
    with pytest.raises(ValueError, match="graph edge in_section from 'statement/p1:statement:1' to "
                                         "'section/p1:section:9' joins a node the store does not hold"):
        write_graph_rows(small_store)


def test_node_and_edge_counts(kb):
    nodes = dict(kb.execute("select type, count(*) from nodes group by type").fetchall())
    assert nodes == {"code": 17, "criterion": 34, "document": 5, "external_policy": 18, "guideline": 29,
                     "indication": 27,
                     "issuer": 3, "policy": 5, "recommendation": 12, "reference": 257, "result": 38,
                     "section": 148, "statement": 23, "trial": 13, "work": 171,
                     "overlap": 4}  # the pairs of policies citing some of the same works (policy_overlap)
    edges = dict(kb.execute("select type, count(*) from edges group by type").fetchall())
    assert (edges["cites"], edges["is_work"], edges["reports_trial"], edges["about"]) == (138, 257, 9, 35)
    assert edges["cites_work"] == edges["lists"] == 257
    assert edges["overlap_of"] == 2 * nodes["overlap"]


def test_every_fact_and_edge_of_the_model_reaches_rdf(graph, kb_path):
    """The RDF graph is a sink of this model: each node fact and edge type has its predicate, and lands."""
    import sqlite3

    from rdflib import URIRef

    from kb.rdf.mapping import CITO, PREDICATES, PROPERTIES, build_rdf, node_iri
    facts = {(d["type"], fact) for _, d in graph.nodes(data=True) for fact in d["props"]}
    assert facts <= set(PROPERTIES) and {d["type"] for _, _, d in graph.edges(data=True)} <= set(PREDICATES)
    rdf = build_rdf(sqlite3.connect(kb_path))
    evidence = {(node_iri(graph.nodes[s]), node_iri(graph.nodes[w])) for s, w, d in graph.edges(data=True)
                if d["type"] == "rests_on"}
    assert evidence == set(rdf.subject_objects(CITO.citesAsEvidence)) and len(evidence) > 100
    statement = URIRef("https://w3id.org/cryo-kb/id/statement/bcbsks-liver-tumors%3Astatement%3A1")
    assert (statement, CITO.citesAsEvidence, URIRef("https://pubmed.ncbi.nlm.nih.gov/25284802/")) in rdf


def test_evidence_edges_point_at_works(graph):
    """rests_on and cito:citesAsEvidence mean the same: a statement rests on a work (via a reference)."""
    targets = {graph.nodes[w]["type"] for _, w, d in graph.edges(data=True) if d["type"] == "rests_on"}
    assert targets == {"work"}
    wang = [d for s, w, d in graph.edges("statement/bcbsks-liver-tumors:statement:1", data=True)
            if w == "work/pmid:25284802"]
    assert [(d["reference"], d["citation"].split(":")[0]) for d in wang] == [
        ("bcbsks-liver-tumors:reference:2", "bcbsks-liver-tumors")]


def test_solstice_from_policies_to_results(graph):
    policies = sorted(source for source, _ in graph.in_edges("trial/solstice") if source.startswith("policy/"))
    assert policies == ["policy/premera-7.01.92", "policy/unnamed-solid-tumors-outside-liver"]
    assert list(graph.predecessors("trial/solstice")).count("work/pmid:32151777") == 1
    results = [graph.nodes[n]["label"] for n in graph.successors("trial/solstice")]
    assert "overall survival, 24 months, cryoablation: 86.6%" in results and len(results) == 6
    listing = sorted(graph.nodes[r]["label"] for r, _, d in graph.in_edges("work/pmid:32151777", data=True)
                     if d["type"] == "is_work")
    assert listing == ["Callstrom 2020 (#15)", "Callstrom 2020 (#20)", "Callstrom 2020 (#69)"]


def test_statement_to_trial_results_path(kb):
    rows = kb.execute((ROOT / "queries" / "statement_evidence_path.sql").read_text(encoding="utf-8"),
                      {"statement_id": "bcbsks-liver-tumors:statement:1"}).fetchall()
    wang = [r for r in rows if r[7] == "Wang 2015 RCT"]
    assert len(wang) == 20 and {r[0] for r in wang} == {"<sup>2</sup>"}
    assert ("overall survival", "5 years", "cryoablation", 40.0) in [(r[8], r[9], r[10], r[11]) for r in wang]


def test_works_ranked_by_issuers(kb):
    counts = dict(kb.execute("select issuers, count(*) from works_by_issuers group by issuers").fetchall())
    assert counts == {1: 113, 2: 30, 3: 28}
    solo = kb.execute("select count(*) from works_by_issuers where issuers = 1 and cited_by like "
                      "'Blue Cross and Blue Shield of Kansas'").fetchone()[0]
    assert solo == 24  # the liver policy's 33 references, less the 9 works it shares


def test_cli_query_and_matrix(kb_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["query", "work_citations", "--db", str(kb_path), "-p", "work_id=pmid:32151777",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [(r["policy_id"], r["reference_number"]) for r in json.loads(result.stdout)] == [
        ("bcbsma-260", 20), ("premera-7.01.92", 15), ("unnamed-solid-tumors-outside-liver", 69)]
    missing = runner.invoke(cli, ["query", "work_citations", "--db", str(kb_path)])
    assert missing.exit_code == 1 and "work_citations needs -p work_id=..." in missing.stderr
    matrix = json.loads(runner.invoke(cli, ["matrix", "--db", str(kb_path), "--format", "json"]).stdout)
    hcc = next(row for row in matrix if row["indication"] == "Hepatocellular carcinoma")
    assert hcc["bcbsks-liver-tumors"] == "experimental/investigational (via liver-neoplasms)"
    assert hcc["medmutual-200802"] == "medically necessary"
    absent = runner.invoke(cli, ["matrix", "--db", str(kb_path.parent / "none.db")])
    assert absent.exit_code == 1 and "no knowledge base here; run `kb build` first" in absent.stderr
