"""Safe SPARQL over the knowledge base: two gates, and bounded execution.

Both rdflib and pyoxigraph would fetch a URL named in SERVICE (and rdflib one named in FROM), with no
switch to stop them. So a query passes two independent gates: the token allowlist of `guard.py`,
which refuses SERVICE, FROM and updates wherever they stand and anything it does not know, and the
kernel sandbox of `sandbox.py` in the process that runs it, which cannot open a network socket at
all. Queries run on an Oxigraph store (chosen by benchmark, see bench/rdf_bench.py) in a forked
child process, niced, with its address space capped; it is killed at the time limit, parsing
included, and at most `rows` rows or triples are returned.
"""
from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .guard import Refused as QueryRefused
from .guard import check
from .sandbox import SandboxError, close_network, limit_memory

if TYPE_CHECKING:
    import pyoxigraph as ox

# Oxigraph, rdflib and the RDF mapping are imported by the functions that use them, the first time a store
# is opened (store_for, in the server's process, before any query process is forked): a web worker that
# answers no SPARQL query never pays for them at start-up.

RESULT_TYPES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {"turtle": "text/turtle", "nt": "application/n-triples", "json-ld": "application/ld+json",
               "xml": "application/rdf+xml"}


def load_store(conn: sqlite3.Connection) -> ox.Store:
    """An in-memory Oxigraph store of the knowledge base's RDF, built once and reused."""
    import pyoxigraph as ox

    from .mapping import ntriples
    store = ox.Store()  # the mapping's N-Triples as they are, as the store written at build time loads them
    store.load("".join(ntriples(conn)).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    _import_serialisers()
    return store


def store_for(db_path: Path) -> ox.Store:
    """The store written at build time when it is of the database's build; else one loaded from the database."""
    from .persist import open_store
    store = open_store(db_path)
    if store is None:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
            return load_store(conn)
    _import_serialisers()
    return store


def _import_serialisers() -> None:
    """Load rdflib's serialiser plugins once here, so that no query process pays for importing them."""
    from rdflib import Graph
    from rdflib.query import Result
    for fmt in RESULT_TYPES.keys() - {"tsv"}:
        empty = Result("SELECT")
        empty.vars, empty.bindings = [], []
        empty.serialize(format=fmt)
    for fmt in GRAPH_TYPES:
        Graph().serialize(format=fmt)


def _term(term):
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value)  # a plain literal, as it was loaded
    return Literal(term.value, datatype=URIRef(term.datatype.value))


FORMATS = {"SelectQuery": RESULT_TYPES, "AskQuery": {k: RESULT_TYPES[k] for k in ("json", "xml")},
           "ConstructQuery": GRAPH_TYPES, "DescribeQuery": GRAPH_TYPES}


def formats(form: str) -> dict[str, str]:
    """The formats a query of this form can be answered in, the default first."""
    return FORMATS[form]


def _execute(store: ox.Store, query: str, fmt: str, row_limit: int, substitutions: dict) -> tuple[bytes, str, bool]:
    """(body, media type, truncated): results serialised by rdflib's serialisers."""
    import pyoxigraph as ox
    from rdflib import Graph, Variable
    from rdflib.query import Result

    from .mapping import PREFIXES
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    answer = store.query(query, prefixes=prefixes,
                         substitutions={ox.Variable(k): ox.Literal(v) for k, v in substitutions.items()})
    if isinstance(answer, ox.QueryBoolean):
        result = Result("ASK")
        result.askAnswer = bool(answer)
        return result.serialize(format=fmt), RESULT_TYPES[fmt], False
    if isinstance(answer, ox.QueryTriples):
        graph, truncated = Graph(), False
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        for i, triple in enumerate(answer):
            if i == row_limit:
                truncated = True
                break
            graph.add((_term(triple.subject), _term(triple.predicate), _term(triple.object)))
        return graph.serialize(format=fmt, encoding="utf-8"), GRAPH_TYPES[fmt], truncated
    variables = [v.value for v in answer.variables]
    rows, truncated = [], False
    for i, solution in enumerate(answer):
        if i == row_limit:
            truncated = True
            break
        rows.append({v: _term(solution[v]) for v in variables if solution[v] is not None})
    if fmt == "tsv":  # SPARQL 1.1 TSV: ?variables, then terms as in Turtle (rdflib has no TSV writer)
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join(row[v].n3() if v in row else "" for v in variables) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8"), RESULT_TYPES[fmt], truncated
    result = Result("SELECT")
    result.vars = [Variable(v) for v in variables]
    result.bindings = [{Variable(k): value for k, value in row.items()} for row in rows]
    return result.serialize(format=fmt), RESULT_TYPES[fmt], truncated


@dataclass
class Limits:
    seconds: float = 10.0
    rows: int = 10_000
    memory_mb: int = 512
    query_bytes: int = 65_536


def _child(pipe, stderr_fd, store, query, fmt, limits, substitutions, sandboxed) -> None:
    """Run one query cut off from the network, with its memory capped; the answer goes down the pipe."""
    os.dup2(stderr_fd, 2)  # a Rust abort (allocation failure, stack overflow) says why here
    faulthandler.disable()  # an abort is expected and explained, not a crash to dump
    try:
        if sandboxed:
            close_network()
        limit_memory(limits.memory_mb * 2**20)
        os.nice(2)  # a query yields a little to the server answering pages, not so much that it starves
        pipe.send(("ok", *_execute(store, query, fmt, limits.rows, substitutions)))
    except SandboxError as error:
        pipe.send(("sandbox", str(error)))
    except SyntaxError as error:  # Oxigraph's parser: "error at LINE:COLUMN: expected ..."
        pipe.send(("error", f"SPARQL syntax {error}"))
    except MemoryError:
        pipe.send(("memory", ""))
    except RecursionError:
        pipe.send(("deep", ""))
    except Exception as error:  # reported to the parent, never a stack trace
        pipe.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        pipe.close()


def _died(child, stderr: bytes, limits: Limits) -> QueryRefused:
    """Why a query process ended without answering, as the refusal a client gets."""
    text = stderr.decode("utf-8", errors="replace")
    if "memory allocation" in text or "MemoryError" in text or child.exitcode == -signal.SIGKILL:
        return _over_memory(limits)
    if "overflowed its stack" in text:
        return QueryRefused("query is nested too deeply to evaluate", status=400)
    return QueryRefused(f"query failed: the query process ended without an answer (exit {child.exitcode})",
                        status=503)


def _over_memory(limits: Limits) -> QueryRefused:
    return QueryRefused(f"query stopped at the memory limit of {limits.memory_mb} MB", status=503)


def run(store: ox.Store, query: str, fmt: str | None = None, limits: Limits = Limits(),
        substitutions: dict | None = None, sandboxed: bool = True, checked: bool = True) -> tuple[bytes, str, bool]:
    """Check and run a query; (body, media type, truncated). Raises QueryRefused.

    fmt None is the form's default format. `checked` and `sandboxed` exist so that tests can show
    that each gate holds alone; nothing else turns them off.
    """
    if checked:
        form = check(query, limits.query_bytes).form
        fmt = fmt or next(iter(formats(form)))
        if fmt not in formats(form):
            raise QueryRefused(f"a {form.removesuffix('Query').upper()} query cannot be answered as {fmt}; "
                               f"choose one of {', '.join(formats(form))}", status=406)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    stderr_read, stderr_write = os.pipe()
    child = context.Process(target=_child, daemon=True, args=(
        send, stderr_write, store, query, fmt or "json", limits, substitutions or {}, sandboxed))
    child.start()
    send.close()
    os.close(stderr_write)
    try:
        if not receive.poll(limits.seconds):
            child.kill()
            raise QueryRefused(f"query stopped at the time limit of {limits.seconds:g} s", status=503)
        try:
            outcome = receive.recv()
        except EOFError:
            child.join()
            raise _died(child, _drain(stderr_read), limits) from None
    finally:
        child.join()
        receive.close()
        os.close(stderr_read)
    kind, *rest = outcome
    if kind == "memory":
        raise _over_memory(limits)
    if kind == "deep":
        raise QueryRefused("query is nested too deeply to evaluate", status=400)
    if kind == "sandbox":
        raise QueryRefused(f"query not run: the network could not be closed to it ({rest[0]})", status=503)
    if kind == "error":
        raise QueryRefused(rest[0] if rest[0].startswith("SPARQL syntax") else f"query failed: {rest[0]}")
    return rest[0], rest[1], rest[2]


def _drain(fd: int) -> bytes:
    """What the dead child wrote to its stderr (the pipe is closed at its end, so this does not block)."""
    chunks = []
    while chunk := os.read(fd, 65_536):
        chunks.append(chunk)
        if sum(map(len, chunks)) > 1 << 20:
            break
    return b"".join(chunks)
