"""Scale benchmark: build and serve synthetic corpora of N policies; time the build, start-up, queries and pages.

    .venv/bin/python -m bench.scale [--sizes 50 1000] [--runs 20] [--clients 20] [--seconds 20]

For each size: bench/corpus.py writes N perturbed copies of the seeds into a temporary folder
(labelled synthetic, never mixed into data/); `kb build` builds it in a subprocess (wall time, peak
memory of its process tree, database size, the RDF store's triples and size); `kb serve` serves it
on 127.0.0.1 (start-up time until the first page, and until the first SPARQL answer); then every
canned query and reviewer page, and the last page served of each canned query, is requested RUNS times
in a row (p50/p95 of the whole response, p50 of its first bytes), and all but those last pages by CLIENTS
concurrent clients for SECONDS (p50/p95, errors). Figures are one run on this machine.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.corpus import generate
from kb.curation import load_manifest
from kb.queries import DEFAULT_QUERIES, load_queries, parameters
from kb.web.paging import LAST_PAGE

ROOT = Path(__file__).resolve().parents[1]
SEEDS = [entry.id for entry in load_manifest(ROOT / "data")]
POLICY = f"premera-7.01.92-syn{SEEDS.index('premera-7.01.92'):05d}"  # the first copy of each seed is copy i
PARAMETERS = {"pmid": "32151777", "work_id": "pmid:32151777", "policy_id": POLICY,
              "statement_id": f"bcbsks-liver-tumors-syn{SEEDS.index('bcbsks-liver-tumors'):05d}:statement:1",
              "first": "1", "last": "40", "indication_id": "renal-cell-carcinoma"}
PAGES = ["/", "/-/reviewer", f"/-/policy/{POLICY}", "/-/indication/renal-cell-carcinoma",
         "/-/work/pmid:32151777", "/-/trial/solstice", "/-/search?q=cryoablation+renal", "/-/cite?q=SOLSTICE",
         "/kb", "/kb/works", "/kb/policy_references", "/kb/statements",
         "/-/sparql?query=ASK+%7B+%3Fs+%3Fp+%3Fo+%7D", "/-/coverage", "/-/coverage.csv",
         f"/-/compare?a={POLICY}&b=bcbsma-260-syn{SEEDS.index('bcbsma-260'):05d}"]


def _deepest_pages() -> list[str]:
    """The last page served of each canned query without parameters: the most rows skipped (kb/web/paging.py)."""
    return [f"/kb/{name}?page={LAST_PAGE}" for name, query in load_queries(DEFAULT_QUERIES).items()
            if not parameters(query["sql"])]


def _paths() -> list[str]:
    paths = list(PAGES)
    for name, query in load_queries(DEFAULT_QUERIES).items():
        args = "&".join(f"{p}={PARAMETERS.get(p, '')}" for p in parameters(query["sql"]))
        paths.append(f"/kb/{name}" + (f"?{args}" if args else ""))
    return paths


def _percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the value at rank ceil(fraction * n) of n, smallest first (of 20, p95 is the
    19th, not the slowest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (a parallel build's workers count too)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def _build(data: Path, db: Path) -> tuple[float, float]:
    """(wall seconds, peak MB of the build's process tree, sampled every 50 ms)."""
    log = (db.parent / "build.log").open("w+b")  # a file, not a pipe: a full pipe would stall the build
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "kb", "build", "--data", str(data), "--db", str(db),
                                "--cache", str(db.parent / "no-cache.sqlite"), "-q"],
                               stdout=log, stderr=subprocess.STDOUT)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    if process.returncode not in (0, 3):  # 3: written without some documents
        log.seek(0)
        raise SystemExit(f"kb build failed with exit {process.returncode}: {log.read().decode()[-2000:]}")
    return wall, peak / 2**20


def _rdf_store(db: Path) -> str:
    """The RDF store the build wrote beside the database: its triples and size."""
    from kb.rdf.persist import open_store, store_path
    store = open_store(db)
    if store is None:
        return "no RDF store written"
    size = sum(f.stat().st_size for f in store_path(db).rglob("*") if f.is_file())
    return f"RDF store {len(store):,} triples, {size / 2**20:.0f} MB"


async def _sequential(client: httpx.AsyncClient, paths: list[str], runs: int) -> dict[str, tuple]:
    """For each path: the seconds until the whole response and until its first bytes (a streamed response,
    such as the coverage CSV, starts long before it ends), and its status."""
    timings = {}
    for path in paths:
        times, firsts = [], []
        for _ in range(runs):
            start = time.perf_counter()
            first = None
            async with client.stream("GET", path) as response:
                async for _ in response.aiter_raw():
                    first = first or time.perf_counter() - start
            times.append(time.perf_counter() - start)
            firsts.append(first or times[-1])
        timings[path] = (times, firsts, response.status_code)
    return timings


async def _concurrent(client: httpx.AsyncClient, paths: list[str], clients: int, seconds: float):
    times, errors, deadline = [], [], time.monotonic() + seconds

    async def worker(offset: int):
        i = offset
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += 1
            start = time.perf_counter()
            try:
                if (await client.get(path)).status_code != 200:
                    errors.append(path)
            except httpx.HTTPError:
                errors.append(path)
            times.append(time.perf_counter() - start)

    await asyncio.gather(*(worker(i) for i in range(clients)))
    return times, errors


def _serve(db: Path, folder: Path, args) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "kb", "serve", "--db", str(db), "--metadata",
                               str(ROOT / "metadata.yml"), "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        first_page = first_answer = None
        while time.perf_counter() - start < 600:
            try:
                if first_page is None:
                    httpx.get(f"{base}/", timeout=5).raise_for_status()
                    first_page = time.perf_counter() - start
                httpx.get(f"{base}{PAGES[-1]}", timeout=60).raise_for_status()
                first_answer = time.perf_counter() - start
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        print(f"  start-up: first page {first_page:.1f} s, first SPARQL answer {first_answer:.1f} s")
        asyncio.run(_measure(base, args))
    finally:
        server.terminate()
        server.wait(timeout=30)


async def _measure(base: str, args) -> None:
    paths = _paths()
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=100)) as client:
        timings = await _sequential(client, paths + _deepest_pages(), args.runs)
        print(f"  {'page or canned query':70} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'1st byte p50':>12}")
        for path, (times, firsts, status) in timings.items():
            print(f"  {path[:70]:70} {status:>6} {statistics.median(times) * 1000:8.0f} "
                  f"{_percentile(times, 0.95) * 1000:8.0f} {statistics.median(firsts) * 1000:12.0f}")
        times, errors = await _concurrent(client, paths, args.clients, args.seconds)
        print(f"  {args.clients} concurrent clients, {args.seconds:g} s: {len(times)} requests, {len(errors)} errors, "
              f"p50 {statistics.median(times) * 1000:.0f} ms, p95 {_percentile(times, 0.95) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 1000])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            data = generate(Path(folder), size)
            db = Path(folder) / "kb.db"
            wall, peak = _build(data, db)
            print(f"{size} policies: build {wall:.1f} s, peak {peak:.0f} MB, database "
                  f"{db.stat().st_size / 2**20:.0f} MB, {_rdf_store(db)}")
            _serve(db, Path(folder), args)


if __name__ == "__main__":
    main()
