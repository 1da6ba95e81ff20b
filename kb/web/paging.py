"""Canned queries served a page at a time: PAGE_ROWS rows, chosen by the query's `page` parameter.

A canned query can list every row of a large table (every statement with every citation: 63,600 rows
at 1,000 policies). Datasette renders up to its max_returned_rows (1,000) into one page, which is half
a second of templating per request. Served, each canned query is wrapped to return one page, with links to
the pages on either side. `kb query` on the command line still returns every row.
"""
from __future__ import annotations

import re

from datasette.utils import path_with_replaced_args

PAGE_ROWS = 100
LAST_PAGE = 1_000_000  # beyond it, SQLite's offset would overflow
_LEADING_INTEGER = re.compile(r"\s*([+-]?[0-9]+)")


def paged(query: dict, rows: int = PAGE_ROWS) -> dict:
    """The canned query returning one page. A blank or unreadable page is the first, as SQLite reads it:
    cast(:page as integer) takes the leading digits, or 0; a negative offset counts as none."""
    sql = query["sql"].rstrip().rstrip(";")
    return {**query, "sql": f"select * from (\n{sql}\n)\nlimit {rows} "
                            f"offset {rows} * (min(cast(:page as integer), {LAST_PAGE}) - 1)"}


def page_number(value: str | None) -> int:
    """The page the wrapped SQL shows for this `page` value (the same reading as its cast)."""
    match = _LEADING_INTEGER.match(value or "")
    return max(1, min(int(match.group(1)), LAST_PAGE)) if match else 1


def pager(request) -> dict:
    """The page shown, and the links to the pages before and after it (a template shows the next link only
    when this page is full)."""
    page = page_number(request.args.get("page"))
    return {"page": page, "rows": PAGE_ROWS, "first_row": (page - 1) * PAGE_ROWS + 1,
            "previous": path_with_replaced_args(request, {"page": str(page - 1)}) if page > 1 else None,
            "next": path_with_replaced_args(request, {"page": str(page + 1)}) if page < LAST_PAGE else None}
