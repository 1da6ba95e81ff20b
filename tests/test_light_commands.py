"""`kb --help` and the commands that only read the knowledge base start without the heavy libraries: each
command imports what it needs, so listing the commands does not load the graph, RDF, PubMed or web stacks."""
from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("networkx", "numpy", "rdflib", "pyoxigraph", "Bio", "datasette", "kb.enrich", "kb.graph", "kb.rdf", "kb.web",
         "kb.pipeline")

RUN = """
import runpy, sys
sys.argv = ["kb", *sys.argv[1:]]
try:
    runpy.run_module("kb", run_name="__main__")
except SystemExit as exit:
    assert not exit.code, exit.code
print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""


def _modules(*args: str) -> tuple[str, set[str]]:
    """What `python -m kb ARGS` prints, and the modules it imported."""
    done = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True, check=True)
    return done.stdout, set(done.stderr.splitlines()[-1].split())


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)}


@pytest.mark.parametrize("args", [["--help"], ["query"], ["query", "--help"], ["cite", "--help"]])
def test_help_and_listing_import_nothing_heavy(args):
    out, modules = _modules(*args)
    assert "kb.cli" in modules and out
    assert _heavy(modules) == set()


def test_a_canned_query_and_the_matrix_import_nothing_heavy(kb_path):
    out, modules = _modules("query", "source_lines", "--db", str(kb_path), "-p", "policy_id=premera-7.01.92",
                            "-p", "first=325", "-p", "last=325", "--format", "csv")
    assert "©2025 Premera All Rights Reserved." in out and _heavy(modules) == set()
    out, modules = _modules("matrix", "--db", str(kb_path))
    assert "bcbsma-260" in out and _heavy(modules) == set()


def test_a_command_that_needs_a_stack_still_gets_it():
    """The check above can fail: `kb enrich --help` shows its cache's default, read from kb.enrich."""
    out, modules = _modules("enrich", "--help")
    assert "data/pubmed-cache.sqlite" in out and "kb.enrich" in _heavy(modules)


def test_the_serving_supervisor_imports_no_datasette():
    """`kb serve`'s supervising process only starts workers; each worker imports Datasette. Were the supervisor
    to import it too, the first page would wait for the two imports one after the other (~1.3 s each)."""
    done = subprocess.run([sys.executable, "-c", "import sys, kb.serve; print(' '.join(sys.modules))"],
                          capture_output=True, text=True, check=True)
    modules = set(done.stdout.split())
    assert "uvicorn" in modules and _heavy(modules) == set()
