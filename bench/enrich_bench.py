"""Benchmark: `kb enrich` for every work against the fake E-utilities server on 127.0.0.1.

    .venv/bin/python -m bench.enrich_bench [--runs 3]

Builds the knowledge base from data/ into a temporary folder, then times enrichment with a cold
cache (everything fetched) and a warm one (nothing fetched), without and with an API key. Prints
requests and the median wall time of the runs. The fake serves test records written from the
policies' citations (see tests/fake_eutils.py); timings are this machine's, shared and noisy.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import sqlite_utils

from kb.enrich import Settings, enrich
from kb.pipeline import build
from tests.fake_eutils import FakeEutils, records_from_policies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "kb.db"
        build(base, Path("data"), cache_path=Path(folder) / "no-cache.sqlite")  # none: every run starts unenriched
        records = records_from_policies(sqlite_utils.Database(base))
        print(f"{len(records)} PMIDs; {args.runs} runs each; median wall time")
        print(f"{'case':40} {'requests':>8} {'seconds':>8}")
        for label, key in (("no API key (3 requests/s)", None), ("API key (10 requests/s)", "bench-key")):
            for warm in (False, True):
                times, requests = [], []
                for run in range(args.runs):
                    db = Path(folder) / f"run{run}.db"
                    shutil.copyfile(base, db)
                    cache = Path(folder) / f"cache-{label[:2]}-{run}.sqlite"
                    with FakeEutils(records) as fake:
                        settings = Settings(base_url=fake.base_url, email="bench@example.org", api_key=key)
                        if warm:
                            enrich(db, cache, settings)
                            fake.log.clear()
                        start = time.perf_counter()
                        report = enrich(db, cache, settings)
                        times.append(time.perf_counter() - start)
                        requests.append(len(fake.log))
                    assert not report.failed
                case = f"{label}, {'warm' if warm else 'cold'} cache"
                print(f"{case:40} {statistics.median(requests):>8.0f} {statistics.median(times):>8.2f}")


if __name__ == "__main__":
    main()
