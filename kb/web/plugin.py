"""Datasette plugin: canned queries from queries/*.sql, and source-line links on every record.

A query file starts with comment lines naming it:

    -- title: References cited by more than one policy
    -- description: ...
    select ...

The folder is the plugin setting `queries_dir` in metadata.yml (relative to the working
folder), else the repository's queries/ beside the kb package.
"""
from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

from datasette import hookimpl
from markupsafe import Markup, escape

_HEADER = re.compile(r"^--\s*(?P<key>title|description|hide_sql)\s*:\s*(?P<value>.*?)\s*$")
DEFAULT_QUERIES = Path(__file__).resolve().parents[2] / "queries"


def read_query(path: Path) -> dict:
    """A canned query from a .sql file: its SQL plus the title and description in its header."""
    query: dict = {"sql": path.read_text(encoding="utf-8")}
    for line in query["sql"].splitlines():
        match = _HEADER.match(line)
        if not match:
            break
        key, value = match.group("key"), match.group("value")
        query[key] = value.lower() == "true" if key == "hide_sql" else value
    return query


def queries_dir(datasette) -> Path:
    config = datasette.plugin_config("kb") or {}
    return Path(config["queries_dir"]) if "queries_dir" in config else DEFAULT_QUERIES


@hookimpl
def canned_queries(datasette, database):
    if database != "kb":
        return None
    return {path.stem: read_query(path) for path in sorted(queries_dir(datasette).glob("*.sql"))}


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """line_start links to the source lines of the record (policy_id and line_end from the same row)."""
    if column != "line_start" or value is None or row is None:
        return None
    keys = row.keys()
    if "policy_id" not in keys or "line_end" not in keys:
        return None
    policy = row["policy_id"]
    if isinstance(policy, dict):  # a table view expands foreign keys to {"value": ..., "label": ...}
        policy = policy["value"]
    query = urllib.parse.urlencode({"policy_id": policy, "n__gte": value, "n__lte": row["line_end"], "_sort": "n"})
    href = f"{datasette.urls.table(database, 'lines')}?{query}"
    return Markup(f'<a href="{escape(href)}" title="show the source lines">{escape(str(value))}</a>')
