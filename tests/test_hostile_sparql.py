"""Hostile input to the SPARQL endpoint and runner: every case a tester reproduced must stay fixed.

A listener on 127.0.0.1 stands in for the network: a query that escapes would connect to it.
"""
from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.cli import cli
from kb.rdf.guard import MAX_DEPTH, check
from kb.rdf.sparql import Limits, QueryRefused, load_store, run
from kb.web import sparql as web_sparql

from .conftest import ROOT


@pytest.fixture(scope="module")
def store(kb_path):
    with sqlite3.connect(kb_path) as conn:
        return load_store(conn)


class Listener:
    """A TCP server on 127.0.0.1 that records every connection made to it."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections: list[bytes] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopped.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    self.connections.append(connection.recv(4096))
                except OSError:
                    self.connections.append(b"")

    def close(self):
        self.stopped.set()
        self.thread.join()
        self.server.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


ESCAPES = [
    "SELECT * WHERE {{ BIND(COALESCE(EXISTS {{ SERVICE <{url}> {{ ?a ?b ?c }} }}) AS ?x) }}",
    "SELECT * WHERE {{ BIND(CONCAT(STR(EXISTS {{ SERVICE <{url}> {{ ?a ?b ?c }} }})) AS ?x) }}",
    "SELECT * WHERE {{ FILTER(true IN (EXISTS {{ SERVICE <{url}> {{ ?a ?b ?c }} }})) }}",
    "SELECT * WHERE {{ FILTER(true NOT IN (EXISTS {{ SERVICE <{url}> {{ ?a ?b ?c }} }})) }}",
    "SELECT * WHERE {{ OPTIONAL {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ MINUS {{ service <{url}> {{ ?s ?p ?o }} }} }} }} }}",
    "ASK {{ FILTER NOT EXISTS {{ SeRvIcE # a comment between\n <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ VALUES ?u {{ <{url}> }} SERVICE ?u {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_service_anywhere_is_refused_and_nothing_connects(store, listener, template):
    query = template.format(url=f"http://127.0.0.1:{listener.port}/sparql")
    with pytest.raises(QueryRefused, match="SERVICE is refused") as refused:
        run(store, query, limits=Limits(seconds=5))
    assert refused.value.status == 400
    assert listener.connections == []


@pytest.mark.parametrize("template", ESCAPES[:4])
def test_the_sandbox_holds_with_the_check_switched_off(store, listener, template):
    query = template.format(url=f"http://127.0.0.1:{listener.port}/sparql")
    run(store, query, limits=Limits(seconds=5), checked=False)
    assert listener.connections == []


def test_without_either_gate_the_listener_is_reached(store, listener):
    """The control: the listener does see a query that passes neither gate, so the tests above can fail."""
    query = ESCAPES[0].format(url=f"http://127.0.0.1:{listener.port}/sparql")
    run(store, query, limits=Limits(seconds=5), checked=False, sandboxed=False)
    assert len(listener.connections) == 1 and listener.connections[0].startswith(b"POST /sparql")


@pytest.mark.parametrize("query, message", [
    ("SELECT * WHERE { ?s ?p ?o } ~", "unexpected '~'"),
    ("SELECT * WHERE { ?s ?p ?o . LATERAL { ?s ?p ?o } }", "'LATERAL' at line 1, column 29 is not a keyword"),
    ("PREFIX ex: <http://x/> LOAD <http://127.0.0.1:9/x>", "SPARQL Update is refused"),
    ("SELECT * FROM NAMED <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }", "FROM and FROM NAMED are refused"),
    ("SELECT * WHERE { ?s ?p ?o ", "'{' at line 1, column 16 is never closed"),
    ("SELECT * WHERE { ?s ?p ?o ))", "unbalanced '\\)'"),
    ("# only a comment", "not a query"),
])
def test_what_the_gate_does_not_know_is_refused(query, message):
    with pytest.raises(QueryRefused, match=message):
        check(query)


def test_names_and_strings_that_spell_keywords_are_data(store):
    query = ('PREFIX ex: <http://example.org/> SELECT ?s WHERE { ?s ex:service "SERVICE FROM" . '
             "FILTER(?s != <http://example.org/SERVICE>) }")
    assert check(query).form == "SelectQuery"
    body, media_type, _ = run(store, query)
    assert media_type == "application/sparql-results+json" and b'"bindings": []' in body


def test_deep_and_long_queries_run_or_get_a_message(store):
    nested = "SELECT ?x WHERE { BIND(" + "(" * 25 + "1" + ")" * 25 + " AS ?x) }"
    body, _, _ = run(store, nested, "csv")
    assert body.decode().split() == ["x", "1"]
    patterns = " . ".join(f"?s <urn:p{i}> ?o{i}" for i in range(85))
    body, _, _ = run(store, f"SELECT ?s WHERE {{ {patterns} }}", "csv")
    assert body.decode().split() == ["s"]
    too_deep = "ASK { FILTER(" + "(" * 200 + "1" + ")" * 200 + ") }"
    with pytest.raises(QueryRefused, match=f"nested more than {MAX_DEPTH} levels deep") as refused:
        run(store, too_deep)
    assert refused.value.status == 400


def test_a_huge_query_is_refused_by_size(store):
    values = " ".join(f'"{i:06d}"' for i in range(100_000))  # about 0.9 MB
    with pytest.raises(QueryRefused, match="bytes; the limit is 65,536") as refused:
        run(store, f"SELECT ?v WHERE {{ VALUES ?v {{ {values} }} }}")
    assert refused.value.status == 413


def test_memory_is_capped(store):
    query = "SELECT ?a ?b ?c WHERE { ?a ?p ?o . ?b ?q ?r . ?c ?x ?y } ORDER BY ?a ?b ?c"
    with pytest.raises(QueryRefused, match="memory limit of 200 MB") as refused:
        run(store, query, limits=Limits(seconds=60, memory_mb=200))
    assert refused.value.status == 503


def test_cli_prints_one_line_for_a_deep_query(kb_path):
    result = CliRunner().invoke(cli, ["sparql", "ASK {" + "{" * 500 + "}" * 500 + "}", "--db", str(kb_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: query is nested more than {MAX_DEPTH} levels deep "
                                                  f"at line 1, column {MAX_DEPTH + 5}"]
    assert "Traceback" not in result.output


def _datasette(kb_path, **settings) -> Datasette:
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    metadata["plugins"]["kb"].update(queries_dir=str(ROOT / "queries"), **settings)
    return Datasette([str(kb_path)], metadata=metadata)


ASK = "ASK { ?s ?p ?o }"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


async def _until_a_slot_is_taken(datasette) -> None:
    """Return once a query holds one of the endpoint's slots: the next request meets it running, however
    slowly this machine started it."""
    state = web_sparql._STATES[datasette]
    while state.slots._value == state.settings.max_concurrent:
        await asyncio.sleep(0.01)


def test_endpoint_refuses_with_4xx_and_a_message(kb_path, listener):
    datasette = _datasette(kb_path, sparql_time_limit=5)

    async def scenario():
        client = datasette.client
        escape = ESCAPES[0].format(url=f"http://127.0.0.1:{listener.port}/x")
        return {
            "service": await client.get("/-/sparql", params={"query": escape}),
            "bad utf-8": await client.post("/-/sparql", content=b"ASK { \xff }",
                                           headers={"Content-Type": "application/sparql-query"}),
            "bad form": await client.post("/-/sparql", content=b"query=%FF",
                                          headers={"Content-Type": "application/x-www-form-urlencoded"}),
            "too big": await client.post("/-/sparql", content=b"#" * 300_000,
                                         headers={"Content-Type": "application/sparql-query"}),
            "ask as tsv": await client.get("/-/sparql", params={"query": ASK},
                                           headers={"Accept": "text/tab-separated-values"}),
            "ask as turtle": await client.get("/-/sparql", params={"query": ASK}, headers={"Accept": "text/turtle"}),
            "deep": await client.get("/-/sparql", params={"query": "ASK {" + "{" * 300 + "}" * 300 + "}"}),
        }

    answers = asyncio.run(scenario())
    assert {name: r.status_code for name, r in answers.items()} == {
        "service": 400, "bad utf-8": 400, "bad form": 400, "too big": 413, "ask as tsv": 406, "ask as turtle": 406,
        "deep": 400}
    assert answers["service"].text.startswith("error: SERVICE is refused")
    assert answers["bad utf-8"].text == "error: request body is not UTF-8 (byte 6)"
    assert "application/sparql-results+json, application/sparql-results+xml" in answers["ask as turtle"].text
    assert listener.connections == []


@pytest.mark.parametrize("accept, media_type", [
    ("application/sparql-results+xml;q=0.5, text/csv", "text/csv"),
    ("text/csv;q=0.2, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/turtle, */*;q=0.1", "application/sparql-results+json"),
    ("text/csv;q=0, application/json", "application/sparql-results+json"),
])
def test_accept_q_values_are_honoured(kb_path, accept, media_type):
    datasette = _datasette(kb_path)

    async def get():
        return await datasette.client.get("/-/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"},
                                          headers={"Accept": accept})

    response = asyncio.run(get())
    assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)


def test_ask_answers_with_its_own_media_type(kb_path):
    datasette = _datasette(kb_path)

    async def get():
        return await datasette.client.get("/-/sparql", params={"query": ASK},
                                          headers={"Accept": "application/sparql-results+xml"})

    response = asyncio.run(get())
    assert response.headers["content-type"].startswith("application/sparql-results+xml")
    assert "<boolean>true</boolean>" in response.text


def test_a_full_endpoint_says_so_instead_of_hanging(kb_path):
    datasette = _datasette(kb_path, sparql_time_limit=3, sparql_max_concurrent=1, sparql_queue_seconds=0.5)

    async def scenario():
        client = datasette.client
        await client.get("/-/sparql", params={"query": ASK})  # the store is loaded
        heavy = asyncio.ensure_future(client.get("/-/sparql", params={"query": HEAVY}))
        await _until_a_slot_is_taken(datasette)
        cheap = await client.get("/-/sparql", params={"query": ASK})
        return await heavy, cheap

    heavy, cheap = asyncio.run(scenario())
    assert heavy.status_code == 503 and "time limit of 3 s" in heavy.text
    assert cheap.status_code == 503 and cheap.headers["retry-after"] == "3"
    assert "the SPARQL endpoint is busy (1 queries running)" in cheap.text


def test_a_cheap_query_gets_a_free_slot_beside_a_heavy_one(kb_path):
    datasette = _datasette(kb_path, sparql_time_limit=3, sparql_max_concurrent=2)

    async def scenario():
        client = datasette.client
        await client.get("/-/sparql", params={"query": ASK})
        heavy = asyncio.ensure_future(client.get("/-/sparql", params={"query": HEAVY}))
        await _until_a_slot_is_taken(datasette)
        cheap = await client.get("/-/sparql", params={"query": ASK})
        done = heavy.done()
        await heavy
        return cheap, done

    cheap, heavy_done_first = asyncio.run(scenario())
    assert cheap.status_code == 200 and not heavy_done_first
