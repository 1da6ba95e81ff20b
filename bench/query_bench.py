"""Benchmark: every canned query on a built knowledge base, in SQLite and through Datasette.

    .venv/bin/python -m bench.query_bench DB [--runs 5] [--pages]

DB is a knowledge base already built (e.g. from `python -m bench.corpus`). For each query in
queries/ it prints the median CPU milliseconds to fetch what Datasette fetches (its first 1,001 rows),
and with --pages the median wall and CPU time of the HTML page through Datasette's test client (SQL
runs in the event loop, as `kb serve` runs it, so CPU time is the page's own work even on a busy
machine), with its status, plus
the database page /kb and a few table pages. Parameters are those of bench/scale.py. Figures are this
machine's, one run.
"""
from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import time
import urllib.parse
from pathlib import Path

import yaml

from bench.scale import PARAMETERS
from kb.queries import DEFAULT_QUERIES, load_queries, parameters

ROOT = Path(__file__).resolve().parents[1]
ROWS = 1001  # Datasette's max_returned_rows plus the one that tells it the result was truncated
GIVE_UP = 10.0  # seconds: a query still running then is reported as "> 10000" ms rather than waited for
TABLE_PAGES = ["/kb", "/kb/works", "/kb/policy_references", "/kb/statements", "/kb/policy_overlap"]


def _median_cpu_ms(run, runs: int) -> float:
    """CPU time: on a machine others share, wall time measures them too."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def in_sqlite(db: Path, runs: int) -> dict[str, float]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    timings = {}
    for name, query in load_queries(DEFAULT_QUERIES).items():
        values = {p: PARAMETERS.get(p, "") for p in parameters(query["sql"])}
        deadline = time.perf_counter() + GIVE_UP
        conn.set_progress_handler(lambda: time.perf_counter() > deadline, 10_000)
        try:
            conn.execute(query["sql"], values).fetchmany(ROWS)
        except sqlite3.OperationalError as error:
            if str(error) != "interrupted":
                raise SystemExit(f"{name}: {error}") from None
            timings[name] = float("inf")
            continue
        conn.set_progress_handler(None, 0)
        timings[name] = _median_cpu_ms(lambda: conn.execute(query["sql"], values).fetchmany(ROWS), runs)
    return timings


async def _pages(db: Path, runs: int) -> dict[str, tuple[float, int]]:
    from datasette.app import Datasette

    from kb.web.asgi import SETTINGS
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    datasette = Datasette([str(db)], metadata=metadata, settings=SETTINGS)
    await datasette.invoke_startup()
    paths = {path: path for path in TABLE_PAGES}
    for name, query in load_queries(DEFAULT_QUERIES).items():
        args = urllib.parse.urlencode({p: PARAMETERS.get(p, "") for p in parameters(query["sql"])})
        paths[name] = f"/kb/{name}" + (f"?{args}" if args else "")
    timings = {}
    for name, path in paths.items():
        times, cpu = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = await datasette.client.get(path)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        timings[name] = (statistics.median(times) * 1000, statistics.median(cpu) * 1000, response.status_code)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", action="store_true", help="also time the pages through Datasette")
    args = parser.parse_args()
    sqlite_ms = in_sqlite(args.db, args.runs)
    pages = asyncio.run(_pages(args.db, args.runs)) if args.pages else {}
    nan = float("nan")
    print(f"{'canned query or page':40} {'SQLite CPU ms':>14} {'page ms':>9} {'page CPU ms':>12} {'status':>6}")
    for name in [*sqlite_ms, *(p for p in pages if p not in sqlite_ms)]:
        page_ms, cpu_ms, status = pages.get(name, (nan, nan, ""))
        print(f"{name:40} {sqlite_ms.get(name, nan):14.1f} {page_ms:9.1f} {cpu_ms:12.1f} {status:>6}")


if __name__ == "__main__":
    main()
