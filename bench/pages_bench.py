"""Benchmark: how long each reviewer page takes to render, through Datasette's test client.

    .venv/bin/python -m bench.pages_bench [--runs 20]

Builds the knowledge base from data/ into a temporary folder and requests every page type; prints
the median and the slowest of the runs, in milliseconds. Figures are this machine's, one run.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from datasette.app import Datasette

from kb.pipeline import build

PAGES = {
    "reviewer index": "/-/reviewer",
    "policy (largest: 302 lines, 97 references)": "/-/policy/unnamed-solid-tumors-outside-liver",
    "policy (404 lines)": "/-/policy/bcbsks-liver-tumors",
    "indication (renal cell carcinoma)": "/-/indication/renal-cell-carcinoma",
    "work (SOLSTICE)": "/-/work/pmid:32151777",
    "trial (Wang 2015, 20 results)": "/-/trial/wang-2015",
    "search": "/-/search?q=cryoablation",
    "graph view": "/-/graph?node=trial/solstice",
    "cite": "/-/cite?q=Kaufman+2004",
    "sparql page with results": "/-/sparql?format=html&query=SELECT+%3Fs+WHERE+%7B+%3Fs+a+kb%3AWork+%7D",
}


async def measure(datasette: Datasette, runs: int) -> None:
    await datasette.invoke_startup()
    print(f"{'page':45} {'median ms':>10} {'max ms':>8}")
    for name, path in PAGES.items():
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = await datasette.client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        print(f"{name:45} {statistics.median(times):>10.1f} {max(times):>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "kb.db"
        build(db, Path("data"), cache_path=Path(folder) / "no-cache.sqlite")  # none: the same pages on every machine
        metadata = yaml.safe_load(Path("metadata.yml").read_text())
        asyncio.run(measure(Datasette([str(db)], metadata=metadata), args.runs))


if __name__ == "__main__":
    main()
