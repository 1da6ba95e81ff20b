"""Benchmark: parse time against document size, to show that parsing grows linearly.

    .venv/bin/python -m bench.parse_bench [--sizes 1 4 16] [--runs 3] [--budget 120]

Each seed policy in data/policies/ is repeated N times (joined by a blank line) into one
document in a temporary folder, and parse_document times it. Prints the median wall time of the
runs and the seconds per MB; linear growth shows as a flat seconds-per-MB column, summed up by
the ratio of the largest size's seconds per MB to the smallest's. Sizes left when the budget
(seconds) is spent are skipped and said so. Timings are this machine's, shared and noisy.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from kb.ingest import load_bodies, parse_document

DATA = Path("data")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 16], help="repeats of each seed")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds; larger sizes are skipped after")
    args = parser.parse_args()
    bodies = load_bodies(yaml.safe_load((DATA / "curation" / "guideline_bodies.yml").read_text()))
    started = time.perf_counter()
    print(f"{args.runs} runs each; median wall time")
    print(f"{'document':44} {'MB':>6} {'seconds':>8} {'s/MB':>6}")
    ratios = []
    with tempfile.TemporaryDirectory() as folder:
        for seed in sorted((DATA / "policies").glob("*.txt")):
            per_mb = []
            for n in sorted(args.sizes):
                if time.perf_counter() - started > args.budget:
                    print(f"{seed.stem[:36] + f' x{n}':44} skipped: the {args.budget:.0f} s budget is spent")
                    continue
                path = Path(folder) / f"{seed.stem}-x{n}.txt"
                path.write_text("\n\n".join([seed.read_text(encoding="utf-8")] * n), encoding="utf-8")
                times = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    parse_document(path, path.name, bodies)
                    times.append(time.perf_counter() - start)
                mb = path.stat().st_size / 1e6
                per_mb.append(statistics.median(times) / mb)
                print(f"{seed.stem[:36] + f' x{n}':44} {mb:6.2f} {statistics.median(times):8.2f} {per_mb[-1]:6.2f}")
            if len(per_mb) > 1:
                ratios.append(per_mb[-1] / per_mb[0])
    if ratios:
        print(f"s/MB at the largest size over s/MB at the smallest: median {statistics.median(ratios):.2f} "
              f"(1.00 is linear; quadratic growth from x{min(args.sizes)} to x{max(args.sizes)} would give "
              f"{max(args.sizes) / min(args.sizes):.0f})")


if __name__ == "__main__":
    main()
