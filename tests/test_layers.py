"""The house's layering, read from the code's imports: no cycles, and no stage imports one above it."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

KB = Path(__file__).resolve().parents[1] / "kb"

# Lower ranks are the foundations; a module may import only modules of a lower rank (or its own unit).
RANKS = {
    "text": 0, "curation": 0, "queries": 0,
    "ingest": 1,
    "resolve": 2,
    "store": 3,
    "graph": 4, "enrich": 4, "convert": 4,
    "rdf": 5, "cite": 5,
    "web": 6,
    "pipeline": 7, "serve": 7,
    "cli": 8,
    "__main__": 9,
}


def _unit(module: Path) -> str:
    """The unit a file belongs to: its subpackage (kb/ingest/...) or its own name (kb/text.py)."""
    return module.relative_to(KB).parts[0].removesuffix(".py")


def _imported_units(module: Path) -> set[str]:
    """The kb units a file imports, from its relative and absolute `from kb...` imports."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    package = module.relative_to(KB.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                parts = base + (node.module.split(".") if node.module else [])
                names = [parts + [alias.name] for alias in node.names] if len(parts) == 1 else [parts]
            elif node.module and node.module.split(".")[0] == "kb":
                parts = node.module.split(".")
                names = [parts + [alias.name] for alias in node.names] if len(parts) == 1 else [parts]
            else:
                continue
            found |= {name[1] for name in names if len(name) > 1}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("kb.")}
    return found


MODULES = sorted(KB.rglob("*.py"))


def test_every_unit_has_a_rank():
    assert {_unit(m) for m in MODULES} - {"__init__"} <= set(RANKS)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: str(m.relative_to(KB)))
def test_no_module_imports_a_unit_above_its_own(module):
    unit = _unit(module)
    if unit == "__init__":
        return
    above = sorted(u for u in _imported_units(module) - {unit} if RANKS.get(u, 99) >= RANKS[unit])
    assert above == [], f"{module.relative_to(KB)} ({unit}, rank {RANKS[unit]}) imports {above}"


def test_the_rule_can_fail():
    """A file of the store that imported the pipeline would be caught."""
    probe = KB / "store" / "_layer_probe.py"
    probe.write_text("from ..pipeline import build\n", encoding="utf-8")
    try:
        assert "pipeline" in _imported_units(probe)
    finally:
        probe.unlink()
