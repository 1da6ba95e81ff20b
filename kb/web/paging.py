"""Canned queries served a page at a time: PAGE_ROWS rows, chosen by the query's `page` parameter.

A canned query can list every row of a large table (every statement with every citation: 63,600 rows
at 1,000 policies). Datasette renders up to its max_returned_rows (1,000) into one page, which is half
a second of templating per request. Served, each canned query is wrapped to return one page, with links to
the pages on either side. `kb query` on the command line still returns every row.

A page is found by skipping the rows before it (OFFSET), and each row skipped costs what a row shown costs:
the 6,360th page of statements_with_evidence at 10,000 policies would outlast Datasette's 1 s limit, and its
1,000th took 0.95 s. Pages up to LAST_PAGE are served (the first 50,000 rows); a page past it shows no rows and
says why, as search engines do with deep result pages. Every row is one `kb query` away.
"""
from __future__ import annotations

import re

from datasette.utils import path_with_replaced_args

PAGE_ROWS = 100
LAST_PAGE = 500
_INT64 = 2**63 - 1  # SQLite's cast of a longer run of digits
_LEADING_INTEGER = re.compile(r"\s*([+-]?[0-9]+)")


def paged(query: dict, rows: int = PAGE_ROWS) -> dict:
    """The canned query returning one page, or no row past LAST_PAGE. A blank or unreadable page is the first, as
    SQLite reads it: cast(:page as integer) takes the leading digits, or 0; a negative offset counts as none."""
    sql = query["sql"].rstrip().rstrip(";")
    return {**query, "sql": f"select * from (\n{sql}\n)\n"
                            f"limit case when cast(:page as integer) > {LAST_PAGE} then 0 else {rows} end "
                            f"offset {rows} * (min(cast(:page as integer), {LAST_PAGE}) - 1)"}


def page_number(value: str | None) -> int:
    """The page the wrapped SQL shows for this `page` value (the same reading as its cast)."""
    match = _LEADING_INTEGER.match(value or "")
    return max(1, min(int(match.group(1)), _INT64)) if match else 1


def pager(request) -> dict:
    """The page shown, whether it is served (up to LAST_PAGE), and the links to the pages before and after it (a
    template shows the next link only when this page is full)."""
    page = page_number(request.args.get("page"))
    return {"page": page, "rows": PAGE_ROWS, "first_row": (page - 1) * PAGE_ROWS + 1,
            "served": page <= LAST_PAGE, "last_page": LAST_PAGE,
            "previous": path_with_replaced_args(request, {"page": str(min(page - 1, LAST_PAGE))}) if page > 1
            else None,
            "next": path_with_replaced_args(request, {"page": str(page + 1)}) if page < LAST_PAGE else None}
