"""Benchmark: rdflib's memory store against Oxigraph (pyoxigraph), loading and querying.

    .venv/bin/python -m bench.rdf_bench [--copies 137] [--runs 3]

Loads the seed knowledge base's RDF, and a generated graph of about a million triples (the seed
graph copied with renamed IRIs), into each store, then runs the example queries of queries/*.rq.
Prints the median of the runs and the rdflib / Oxigraph ratio. Figures are this machine's, one run.
"""
from __future__ import annotations

import argparse
import re
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kb.queries import load_queries
from kb.rdf.mapping import PREFIXES, build_rdf
from kb.pipeline import build

QUERIES = ["cites_pmid", "works_ranked_by_issuers", "indication_coverage_matrix"]


def copies(nt: bytes, n: int) -> bytes:
    """n copies of a graph, every project IRI renamed per copy (PubMed and MeSH IRIs are shared)."""
    text = nt.decode("utf-8")
    return "".join(re.sub(r"<https://w3id\.org/cryo-kb/id/", f"<https://w3id.org/cryo-kb/id/c{i}/", text)
                   for i in range(n)).encode("utf-8")


def timed(fn, runs: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def bench(label: str, nt: bytes, runs: int) -> None:
    queries = load_queries(Path("queries"), ".rq")
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    rdflib_load, graph = timed(lambda: Graph().parse(data=nt, format="nt"), 1 if len(nt) > 10**7 else runs)

    def oxigraph_load():
        store = ox.Store()
        store.bulk_load(nt, format=ox.RdfFormat.N_TRIPLES)
        return store

    ox_load, store = timed(oxigraph_load, runs)
    print(f"\n{label}: {len(graph)} triples")
    print(f"{'':28} {'rdflib':>10} {'oxigraph':>10} {'ratio':>8}")
    print(f"{'load (s)':28} {rdflib_load:>10.3f} {ox_load:>10.3f} {rdflib_load / ox_load:>8.1f}")
    for name in QUERIES:
        text = queries[name]["sql"]
        rdflib_time, rdflib_rows = timed(lambda: len(list(graph.query(text))), runs)
        ox_time, ox_rows = timed(lambda: len(list(store.query(text, prefixes=prefixes))), runs)
        assert rdflib_rows == ox_rows, (name, rdflib_rows, ox_rows)
        print(f"{name + ' (s)':28} {rdflib_time:>10.3f} {ox_time:>10.3f} {rdflib_time / ox_time:>8.1f}"
              f"   {ox_rows} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=137, help="copies of the seed graph (137: about 1M triples)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "kb.db"
        build(db, Path("data"), cache_path=Path(folder) / "no-cache.sqlite")  # none: the same store on every machine
        with sqlite3.connect(db) as conn:
            nt = build_rdf(conn).serialize(format="nt", encoding="utf-8")
    bench("seed knowledge base", nt, args.runs)
    bench(f"generated ({args.copies} copies of the seed graph)", copies(nt, args.copies), args.runs)


if __name__ == "__main__":
    main()
