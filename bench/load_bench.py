"""Load benchmark: many concurrent clients against `datasette serve` on 127.0.0.1, bounded in time.

    .venv/bin/python -m bench.load_bench [--clients 50] [--seconds 60]

Builds the knowledge base from data/ into a temporary folder, serves it as `make serve` does
(`kb serve`: uvicorn workers, our metadata.yml and plugin), measures the home page alone, then runs CLIENTS closed-loop clients
(no think time) for SECONDS over a mix of the pages reviewers use. Prints p50/p95 per page and
overall, and the error count. All traffic goes to 127.0.0.1 and stops by itself.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

from kb.pipeline import build

MIX = [
    "/", "/-/reviewer", "/-/policy/premera-7.01.92", "/-/indication/renal-cell-carcinoma", "/-/work/pmid:32151777",
    "/-/trial/solstice", "/-/search?q=cryoablation+renal", "/-/cite?q=SOLSTICE", "/kb/works", "/kb/statements",
    "/kb/coverage_by_indication", "/kb/works_ranked_by_issuers", "/-/sparql?query=ASK+%7B+%3Fs+%3Fp+%3Fo+%7D",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _home_alone(client: httpx.AsyncClient, runs: int = 50) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        (await client.get("/")).raise_for_status()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def _load(client: httpx.AsyncClient, clients: int, seconds: float) -> tuple[dict, int]:
    timings: dict[str, list[float]] = {path: [] for path in MIX}
    errors = []
    deadline = time.monotonic() + seconds
    pages = itertools.cycle(MIX)

    async def worker(offset: int):
        for _ in range(offset):
            next(pages)
        while time.monotonic() < deadline:
            path = next(pages)
            start = time.perf_counter()
            try:
                response = await client.get(path)
                if response.status_code != 200:
                    errors.append(f"{path}: {response.status_code}")
            except httpx.HTTPError as error:
                errors.append(f"{path}: {type(error).__name__}")
            timings[path].append(time.perf_counter() - start)

    await asyncio.gather(*(worker(i) for i in range(clients)))
    return timings, errors


async def _run(base: str, clients: int, seconds: float) -> None:
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        for path in MIX * 2:  # warm every page in each worker
            (await client.get(path)).raise_for_status()
        await asyncio.sleep(5)  # let the workers finish loading their SPARQL stores
        print(f"/ alone: p50 {await _home_alone(client) * 1000:.1f} ms")
        timings, errors = await _load(client, clients, seconds)
    every = [t for values in timings.values() for t in values]
    print(f"{clients} clients for {seconds:g} s: {len(every)} requests, {len(errors)} errors, "
          f"p50 {statistics.median(every) * 1000:.0f} ms, p95 {_percentile(every, 0.95) * 1000:.0f} ms")
    for path, values in timings.items():
        print(f"  {path[:60]:60} n={len(values):4}  p50 {statistics.median(values) * 1000:6.0f} ms  "
              f"p95 {_percentile(values, 0.95) * 1000:6.0f} ms")
    for error in sorted(set(errors))[:10]:
        print("  error:", error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server processes (as make serve)")
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "kb.db"
        build(db, root / "data", cache_path=Path(folder) / "no-cache.sqlite")  # none: the same pages on every machine
        metadata = yaml.safe_load((root / "metadata.yml").read_text())
        metadata["plugins"]["kb"]["queries_dir"] = str(root / "queries")
        (Path(folder) / "metadata.yml").write_text(yaml.safe_dump(metadata))
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "kb", "serve", "--db", str(db), "--metadata",
                                   str(Path(folder) / "metadata.yml"), "--port", str(port),
                                   "--workers", str(args.workers)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    httpx.get(f"{base}/-/versions.json", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            asyncio.run(_run(base, args.clients, args.seconds))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
