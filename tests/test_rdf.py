"""RDF and SPARQL: the same answers as SQL, a safe endpoint, shapes that hold."""
from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kb.cli import cli
from kb.queries import load_queries
from kb.rdf.mapping import BIBO, CITO, build_rdf
from kb.rdf.sparql import Limits, QueryRefused, load_store, run

from .conftest import ROOT

RQ = load_queries(ROOT / "queries", ".rq")
SQL = load_queries(ROOT / "queries", ".sql")


@pytest.fixture(scope="module")
def conn(kb_path):
    return sqlite3.connect(kb_path)


@pytest.fixture(scope="module")
def graph(conn):
    return build_rdf(conn)


@pytest.fixture(scope="module")
def store(conn):
    return load_store(conn)


def _sparql(store, name, **params) -> list[dict]:
    body, _, _ = run(store, RQ[name]["sql"], "json", substitutions=params)
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(body)["results"]["bindings"]]


def _sql(conn, name, **params) -> list[dict]:
    cursor = conn.execute(SQL[name]["sql"], params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


# Each SPARQL query against its SQL twin: the columns both answer, compared as sets of rows.
PAIRS = {
    "coverage_by_indication": ("indication", "status", "policy_id", "statement_id"),
    "indication_coverage_matrix": ("indication", "policy_id", "status", "statement_id"),
    "works_ranked_by_issuers": ("work_id", "issuers", "policies"),
    "works_cited_by_one_issuer": ("work_id",),
    "statements_with_evidence": ("statement_id", "work_id", "role"),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_sparql_and_sql_give_the_same_answer(conn, store, name):
    columns = PAIRS[name]
    sparql = {tuple(str(row[c]) for c in columns) for row in _sparql(store, name)}
    sql = {tuple(str(row[c]) for c in columns) for row in _sql(conn, name)}
    assert sparql == sql and sparql


def test_cites_pmid_and_overlap_pairs(conn, store):
    sparql = {(r["policy_id"], int(r["reference_number"])) for r in _sparql(store, "cites_pmid", pmid="32151777")}
    sql = {(r["policy_id"], r["reference_number"]) for r in _sql(conn, "cites_pmid", pmid="32151777")}
    assert sparql == sql == {("bcbsma-260", 20), ("premera-7.01.92", 15), ("unnamed-solid-tumors-outside-liver", 69)}
    sparql = [(r["policy_a"], r["policy_b"], int(r["shared_works"]), int(r["all_works"]), float(r["jaccard"]))
              for r in _sparql(store, "policy_pair_overlap")]
    sql = [tuple(r.values()) for r in _sql(conn, "policy_pair_overlap")]
    assert sparql == sql and len(sql) == conn.execute("select count(*) from policy_overlap").fetchone()[0] >= 4


def test_vocabularies_and_iris(graph):
    solstice = URIRef("https://pubmed.ncbi.nlm.nih.gov/32151777/")  # PubMed's own IRI
    assert (solstice, BIBO.pmid, None) in graph and (solstice, DCTERMS.title, None) in graph
    citing = {str(s) for s in graph.subjects(CITO.cites, solstice)}
    assert citing == {f"https://w3id.org/cryo-kb/id/policy/{p}" for p in
                      ("bcbsma-260", "premera-7.01.92", "unnamed-solid-tumors-outside-liver")}
    statement = URIRef("https://w3id.org/cryo-kb/id/statement/bcbsma-260%3Astatement%3A1")
    span = URIRef("https://w3id.org/cryo-kb/id/document/bcbsma-260#L41-L41")
    assert (statement, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), span) in graph
    assert dict(graph.namespaces())["cito"] == URIRef(str(CITO))


def test_shapes_hold_and_can_fail(graph):
    shapes = Graph().parse(ROOT / "queries" / "shapes.ttl")
    conforms, _, report = validate(graph, shacl_graph=shapes)
    assert conforms, report
    broken = Graph() + graph
    work = URIRef("https://pubmed.ncbi.nlm.nih.gov/32151777/")
    broken.remove((work, BIBO.pmid, None))
    broken.remove((work, DCTERMS.title, None))
    broken.remove((URIRef("https://w3id.org/cryo-kb/id/statement/bcbsma-260%3Astatement%3A1"), DCTERMS.isPartOf, None))
    conforms, _, report = validate(broken, shacl_graph=shapes)
    assert not conforms
    assert "every work has a PMID or a title" in report
    assert "every coverage statement belongs to exactly one policy" in report


@pytest.mark.parametrize("query, message", [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "SPARQL Update is refused"),
    ("DELETE WHERE { ?s ?p ?o }", "SPARQL Update is refused"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE is refused"),
    ("SELECT * WHERE { OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/x> { ?s ?p ?o } } }", "SERVICE is refused"),
    ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM and FROM NAMED are refused"),
    ("SELECT * WHERE { ?s ?p }", "SPARQL syntax error"),
])
def test_refused_before_running(store, query, message):
    with pytest.raises(QueryRefused, match=message) as refused:
        run(store, query)
    assert refused.value.status == 400


def test_a_runaway_query_is_stopped_and_rows_are_capped(store):
    with pytest.raises(QueryRefused) as refused:
        run(store, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", limits=Limits(seconds=1))
    assert (refused.value.status, str(refused.value)) == (503, "query stopped at the time limit of 1 s")
    body, _, truncated = run(store, "SELECT ?s WHERE { ?s ?p ?o }", "csv", Limits(rows=5))
    assert truncated and body.decode().count("\n") == 6


def test_export_round_trips(kb_path, graph):
    runner = CliRunner()
    for fmt, parse_as in (("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")):
        result = runner.invoke(cli, ["export", "--db", str(kb_path), "--format", fmt])
        assert result.exit_code == 0
        assert len(Graph().parse(data=result.stdout_bytes, format=parse_as)) == len(graph)


def test_cli_sparql(kb_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["sparql", str(ROOT / "queries" / "cites_pmid.rq"), "--db", str(kb_path),
                                 "-p", "pmid=25284802", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)["results"]["bindings"]
    assert {r["policy_id"]["value"] for r in rows} == {"bcbsks-liver-tumors", "unnamed-solid-tumors-outside-liver"}
    refused = runner.invoke(cli, ["sparql", "LOAD <http://127.0.0.1:9/x>", "--db", str(kb_path)])
    assert refused.exit_code == 1 and "SPARQL Update is refused" in refused.stderr


def test_endpoint_through_datasette(kb_path):
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    metadata["plugins"]["kb"].update(queries_dir=str(ROOT / "queries"), sparql_time_limit=1)
    datasette = Datasette([str(kb_path)], metadata=metadata)

    async def calls():
        await datasette.invoke_startup()
        query = "SELECT ?p WHERE { ?p a kb:Policy } ORDER BY ?p"
        answers = {}
        for media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                      "text/tab-separated-values"):
            response = await datasette.client.get("/-/sparql", params={"query": query}, headers={"Accept": media})
            answers[media] = (response.status_code, response.headers["content-type"].split(";")[0], response.text)
        post = await datasette.client.post("/-/sparql", content=query,
                                           headers={"Content-Type": "application/sparql-query"})
        update = await datasette.client.get("/-/sparql", params={"query": "CLEAR ALL"})
        runaway = await datasette.client.get(
            "/-/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
        page = await datasette.client.get("/-/sparql", headers={"Accept": "text/html"})
        return answers, post, update, runaway, page

    answers, post, update, runaway, page = asyncio.run(calls())
    for media, (status, content_type, text) in answers.items():
        assert (status, content_type) == (200, media) and "policy/bcbsks-liver-tumors" in text
    assert post.status_code == 200 and len(post.json()["results"]["bindings"]) == 5
    assert (update.status_code, update.text) == (400, "error: SPARQL Update is refused: this endpoint is read-only")
    assert runaway.status_code == 503 and "time limit" in runaway.text
    assert page.status_code == 200 and "Works ranked by how many issuers cite them" in page.text
    assert '<label for="sparql-query">' in page.text


@pytest.fixture(scope="module")
def live_endpoint(live_server):
    return f"{live_server}/-/sparql"


@pytest.mark.parametrize("name", sorted(RQ))
def test_sparqlwrapper_runs_every_example(live_endpoint, name):
    client = SPARQLWrapper(live_endpoint)
    client.setQuery(RQ[name]["sql"])
    client.setReturnFormat(JSON)
    bindings = client.query().convert()["results"]["bindings"]
    assert bindings, name


def test_sparqlwrapper_update_is_refused(live_endpoint):
    client = SPARQLWrapper(live_endpoint)
    client.setMethod(POST)  # an update, sent the way the SPARQL 1.1 Protocol says: POST update=...
    client.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(QueryBadFormed, match="SPARQL Update is refused"):
        client.query()
