"""Benchmark: `kb build` after one policy changed, in a corpus of many, against a build from nothing.

    .venv/bin/python -m bench.incremental_bench [--policies 1000] [--changes 3] [--budget 1500]

The corpus is SYNTHETIC: the five seed policies copied round-robin into a temporary folder, each
copy made distinct by one paragraph naming its copy number, with a manifest listing them all.
It is built once from nothing (every document parsed), then again after each of --changes
edits to one document (one parsed, the rest from the parse cache; resolution still runs on all).
Prints wall times, the median of the one-change builds, and their ratio to the cold build.
Timings are this machine's, shared and noisy. The budget (seconds) stops further changes.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from kb.pipeline import build

DATA = Path("data")


def make_corpus(folder: Path, count: int) -> Path:
    """A data folder of `count` synthetic policies made from the seeds, with a manifest."""
    data = folder / "data"
    (data / "policies").mkdir(parents=True)
    shutil.copytree(DATA / "curation", data / "curation")
    seeds = sorted((DATA / "policies").glob("*.txt"))
    manifest = ["# SYNTHETIC corpus for bench/incremental_bench.py: copies of the seed policies.", ""]
    for n in range(count):
        seed = seeds[n % len(seeds)]
        lines = seed.read_text(encoding="utf-8").split("\n")
        heading = next(i for i, line in enumerate(lines) if line.strip())
        lines.insert(heading + 1, f"\nSynthetic copy {n + 1} of {seed.name}, for a benchmark.\n")
        text = "\n".join(lines)
        name = f"policies/synthetic-{n + 1:04d}.txt"
        (data / name).write_text(text, encoding="utf-8")
        manifest += [f"- id: synthetic-{n + 1:04d}", f"  file: {name}",
                     f"  sha256: {hashlib.sha256(text.encode()).hexdigest()}", "  issuer:", "    name: null",
                     "    note: synthetic", ""]
    (data / "policies.yml").write_text("\n".join(manifest), encoding="utf-8")
    return data


def timed(db: Path, data: Path):
    started = time.perf_counter()
    report = build(db, data)
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=3)
    parser.add_argument("--budget", type=float, default=1500.0, help="seconds; no further change after")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        data = make_corpus(Path(folder), args.policies)
        db = Path(folder) / "build" / "kb.db"
        print(f"synthetic corpus: {args.policies} policies made from {len(list((DATA / 'policies').glob('*.txt')))} "
              f"seeds")
        cold, report = timed(db, data)
        print(f"cold build:            {cold:7.1f} s  ({report.parsed} parsed, {report.reused} from the cache)")
        warm = []
        for n in range(args.changes):
            if time.perf_counter() - started > args.budget:
                print(f"budget of {args.budget:g} s spent: {args.changes - n} changes skipped")
                break
            path = data / f"policies/synthetic-{n * 7 + 1:04d}.txt"
            path.write_text(path.read_text(encoding="utf-8") + f"\nEdited for run {n + 1}.\n", encoding="utf-8")
            seconds, report = timed(db, data)
            warm.append(seconds)
            print(f"one document changed:  {seconds:7.1f} s  ({report.parsed} parsed, {report.reused} from the cache)")
        if warm:
            median = statistics.median(warm)
            print(f"median of {len(warm)} one-change builds: {median:.1f} s = {median / cold:.2f} of the cold build")


if __name__ == "__main__":
    main()
