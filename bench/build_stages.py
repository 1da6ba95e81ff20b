"""Build benchmark: one cold `kb build` of a synthetic corpus, with the seconds of each stage.

    .venv/bin/python -m bench.build_stages --policies 100 [--workers 2] [--warm]

bench/corpus.py writes N perturbed copies of the seeds into a temporary folder (never data/); the
build runs in this process (its parsing processes are children), so the figures are: wall time,
peak memory of this process and of the largest child, and the stages' seconds from the build
report. --warm builds twice and reports the second build (every document from the parse cache).
Figures are one run on this machine.
"""
from __future__ import annotations

import argparse
import contextlib
import resource
import tempfile
import time
from pathlib import Path

from bench.corpus import generate
from kb import pipeline
from kb.pipeline import build

_peak_after: dict[str, float] = {}  # this process's peak memory (MB) when each stage ended
_stage = pipeline.BuildReport.stage


def _stage_with_memory(report, name: str):
    """The build report's stage timer, noting the peak memory so far when the stage ends."""
    with _stage(report, name):
        yield
    _peak_after[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


pipeline.BuildReport.stage = contextlib.contextmanager(_stage_with_memory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None, help="parsing processes (default: one per core)")
    parser.add_argument("--warm", action="store_true", help="report a second build, from the parse cache")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-build-bench-") as folder:
        data = generate(Path(folder), args.policies)
        db = Path(folder) / "kb.db"
        for _ in range(2 if args.warm else 1):
            start = time.perf_counter()
            report = build(db, data, cache_path=Path(folder) / "no-cache.sqlite", workers=args.workers)
            wall = time.perf_counter() - start
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{args.policies} policies (synthetic), {'warm' if args.warm else 'cold'} build: {wall:.1f} s wall, "
              f"peak memory {own:.0f} MB (this process), {child:.0f} MB (largest parsing process); "
              f"{report.parsed} parsed, {report.reused} from the parse cache; "
              f"database {db.stat().st_size / 2**20:.0f} MB")
        for stage, seconds in report.seconds.items():
            print(f"  {stage:20} {seconds:6.1f} s   peak so far {_peak_after[stage]:6.0f} MB")


if __name__ == "__main__":
    main()
