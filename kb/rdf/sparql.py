"""Safe SPARQL over the knowledge base: a gate on the parsed query, and bounded execution.

Both rdflib and pyoxigraph would fetch a URL named in SERVICE (and rdflib one named in FROM),
with no switch to stop them; so every query is parsed with rdflib and its algebra inspected
before it runs. Updates, SERVICE, FROM and FROM NAMED are refused. Queries run on an Oxigraph
store (chosen by benchmark, see bench/rdf_bench.py) in a forked child process, which is killed at
the time limit; at most `row_limit` rows or triples are returned.
"""
from __future__ import annotations

import multiprocessing
import sqlite3
from dataclasses import dataclass

import pyoxigraph as ox
from pyparsing import ParseException
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.query import Result

from .mapping import PREFIXES, build_rdf

RESULT_TYPES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {"turtle": "text/turtle", "nt": "application/n-triples", "json-ld": "application/ld+json",
               "xml": "application/rdf+xml"}


class QueryRefused(Exception):
    """A query that will not run: the message says why, `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _walk(node):
    yield node
    values = node.values() if isinstance(node, (CompValue, dict)) else node if isinstance(node, list) else []
    for value in values:
        if isinstance(value, (CompValue, dict, list)):
            yield from _walk(value)


def check(query: str) -> str:
    """The query form (SelectQuery, ConstructQuery, AskQuery, DescribeQuery), or QueryRefused."""
    try:
        parsed = parseQuery(query)
    except ParseException as error:
        try:
            parseUpdate(query)
        except ParseException:
            raise QueryRefused(f"SPARQL syntax error at line {error.lineno}, column {error.col}: {error.msg}") \
                from None
        raise QueryRefused("SPARQL Update is refused: this endpoint is read-only") from None
    for node in _walk(list(parsed)):
        if isinstance(node, CompValue) and node.name == "ServiceGraphPattern":
            raise QueryRefused("SERVICE is refused: this endpoint never fetches other endpoints")
        if isinstance(node, CompValue) and (node.name == "DatasetClause" or "datasetClause" in node.keys()):
            raise QueryRefused("FROM and FROM NAMED are refused: this endpoint never loads other graphs")
    return parsed[1].name


def load_store(conn: sqlite3.Connection) -> ox.Store:
    """An in-memory Oxigraph store of the knowledge base's RDF, built once and reused."""
    store = ox.Store()
    store.load(build_rdf(conn).serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def _term(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value)  # a plain literal, as it was loaded
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _execute(store: ox.Store, query: str, fmt: str, row_limit: int, substitutions: dict) -> tuple[bytes, str, bool]:
    """(body, media type, truncated): results serialised by rdflib's serialisers."""
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    answer = store.query(query, prefixes=prefixes,
                         substitutions={ox.Variable(k): ox.Literal(v) for k, v in substitutions.items()})
    if isinstance(answer, ox.QueryBoolean):
        result = Result("ASK")
        result.askAnswer = bool(answer)
        return result.serialize(format=fmt if fmt in RESULT_TYPES else "json"), RESULT_TYPES.get(fmt, "json"), False
    if isinstance(answer, ox.QueryTriples):
        graph, truncated = Graph(), False
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        for i, triple in enumerate(answer):
            if i == row_limit:
                truncated = True
                break
            graph.add((_term(triple.subject), _term(triple.predicate), _term(triple.object)))
        fmt = fmt if fmt in GRAPH_TYPES else "turtle"
        return graph.serialize(format=fmt, encoding="utf-8"), GRAPH_TYPES[fmt], truncated
    variables = [v.value for v in answer.variables]
    rows, truncated = [], False
    for i, solution in enumerate(answer):
        if i == row_limit:
            truncated = True
            break
        rows.append({v: _term(solution[v]) for v in variables if solution[v] is not None})
    fmt = fmt if fmt in RESULT_TYPES else "json"
    if fmt == "tsv":  # SPARQL 1.1 TSV: ?variables, then terms as in Turtle (rdflib has no TSV writer)
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join(row[v].n3() if v in row else "" for v in variables) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8"), RESULT_TYPES[fmt], truncated
    result = Result("SELECT")
    result.vars = [Variable(v) for v in variables]
    result.bindings = [{Variable(k): value for k, value in row.items()} for row in rows]
    return result.serialize(format=fmt), RESULT_TYPES[fmt], truncated


def _child(pipe, store, query, fmt, row_limit, substitutions) -> None:
    try:
        pipe.send(("ok", *_execute(store, query, fmt, row_limit, substitutions)))
    except Exception as error:  # reported to the parent, never a stack trace
        pipe.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        pipe.close()


@dataclass
class Limits:
    seconds: float = 10.0
    rows: int = 10_000


def run(store: ox.Store, query: str, fmt: str = "json", limits: Limits = Limits(),
        substitutions: dict | None = None) -> tuple[bytes, str, bool]:
    """Check and run a query; (body, media type, truncated). Raises QueryRefused."""
    check(query)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, store, query, fmt, limits.rows, substitutions or {}),
                            daemon=True)
    child.start()
    send.close()
    if not receive.poll(limits.seconds):
        child.kill()
        child.join()
        raise QueryRefused(f"query stopped at the time limit of {limits.seconds:g} s", status=503)
    try:
        outcome = receive.recv()
    except EOFError:
        raise QueryRefused("query failed: the query process ended without an answer", status=500) from None
    finally:
        child.join()
    if outcome[0] == "error":
        raise QueryRefused(f"query failed: {outcome[1]}")
    return outcome[1], outcome[2], outcome[3]
