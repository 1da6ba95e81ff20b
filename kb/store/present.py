"""Rows as text for a terminal or a script: an aligned table, CSV or JSON (what `kb query`, `kb matrix` and
`kb sparql` print)."""
from __future__ import annotations

import csv
import io
import json

from tabulate import tabulate

FORMATS = ("table", "csv", "json")


def render(columns: list[str], rows: list[tuple], fmt: str = "table") -> str:
    """The rows in a format, ending with a line break; long table cells wrap at 60 characters."""
    if fmt == "json":
        return json.dumps([dict(zip(columns, row)) for row in rows], indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
        return out.getvalue()
    if fmt == "table":
        return tabulate(rows, headers=columns, tablefmt="simple", maxcolwidths=60) + "\n"
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
