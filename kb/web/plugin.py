"""Datasette plugin: canned queries from queries/*.sql, and source-line links on every record.

The folder is the plugin setting `queries_dir` in metadata.yml (relative to the working
folder), else the repository's queries/ beside the kb package.
"""
from __future__ import annotations

import urllib.parse
from pathlib import Path

from datasette import hookimpl
from markupsafe import Markup, escape

from ..graph import EDGE_TYPES
from ..queries import DEFAULT_QUERIES, load_queries


def queries_dir(datasette) -> Path:
    config = datasette.plugin_config("kb") or {}
    return Path(config["queries_dir"]) if "queries_dir" in config else DEFAULT_QUERIES


@hookimpl
def canned_queries(datasette, database):
    if database != "kb":
        return None
    return load_queries(queries_dir(datasette))


@hookimpl
def get_metadata(datasette, key, database, table):
    """Describe the graph_<edge type> views from the graph module, where the edge types are defined."""
    views = {f"graph_{kind}": {"description": f"Edges of type {kind}: {meaning}.",
                               "columns": {"source": "Node id of the tail.", "source_label": "Its label.",
                                           "target": "Node id of the head.", "target_label": "Its label.",
                                           "attributes": "Edge attributes as JSON."}}
             for kind, meaning in EDGE_TYPES.items()}
    return {"databases": {"kb": {"tables": views}}}


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
