"""Where each line of a converted policy stands in its original: a sidecar file beside the text.

`policies/x.txt` converted from a PDF has `policies/x.origins.tsv`: one row per text line, its
number and its place in the original ("page 3", an HTML element, "paragraph 12"). The build
loads it into `lines.origin`, so every row's line range leads to the page or element it came from.
"""
from __future__ import annotations

from pathlib import Path

from .atomic import write_atomically

SUFFIX = ".origins.tsv"


def origins_path(text_path: Path) -> Path:
    return text_path.with_name(text_path.stem + SUFFIX)


def write_origins(text_path: Path, origins: list[str | None]) -> Path:
    path = origins_path(text_path)
    rows = ["line\torigin"] + [f"{n}\t{origin}" for n, origin in enumerate(origins, start=1) if origin]
    write_atomically(path, ("\n".join(rows) + "\n").encode("utf-8"))
    return path


def read_origins(text_path: Path) -> dict[int, str]:
    """Each line's origin, by line number; empty where the text has no sidecar (it was written as text).

    A row that does not read as `number<TAB>origin` is skipped: a damaged sidecar loses provenance
    detail, never the document."""
    path = origins_path(text_path)
    if not path.is_file():
        return {}
    origins = {}
    for row in path.read_text(encoding="utf-8", errors="replace").split("\n")[1:]:
        number, _, origin = row.partition("\t")
        if number.isdigit() and origin:
            origins[int(number)] = origin
    return origins
