"""The graph as SQLite rows (the `nodes` and `edges` tables and one view per edge type), and back."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..store.read import rows
from ..text import guideline_label
from .model import EDGE_TYPES, EDGES, NODES

if TYPE_CHECKING:  # networkx is imported by the functions that make a graph: the web server never needs it
    import networkx as nx


def write_graph_rows(db) -> None:
    """Write the graph of everything the store holds into its (empty) nodes and edges tables.

    Each kind of node and edge (kb/graph/model.py) goes into a temporary table in the order read, then out
    in id order, the last of a repeated id kept (insert or replace, rows with the same id in the order
    read); nodes with their degree (edges in and out). The tables' indexes are dropped meanwhile and made
    again after: rows put in id order only append to the primary key, and an index made at the end is
    one sort, where kept up row by row it cost twice the time at 1,000 policies."""
    conn = getattr(db, "conn", db)
    conn.create_function("guideline_label", 3, guideline_label, deterministic=True)
    conn.execute("create temp table graph_nodes (id text, type text, label text, row_id text, source_table text, "
                 "attributes text)")
    conn.execute("create temp table graph_edges (id text, source text, key text, target text, type text, "
                 "attributes text)")
    for nodes in NODES:
        conn.execute(f"insert into temp.graph_nodes {nodes.select()}")
    for edges in EDGES:
        conn.execute(f"insert into temp.graph_edges {edges.select()}")
    indexes = conn.execute("select name, sql from sqlite_master where type = 'index' and sql is not null "
                           "and tbl_name in ('nodes', 'edges')").fetchall()
    for name, _ in indexes:
        conn.execute(f"drop index [{name}]")
    conn.execute("""insert or replace into edges (id, source, target, type, attributes)
        select id, source, target, type, attributes from temp.graph_edges order by id, rowid""")
    conn.execute("""insert or replace into nodes (id, type, label, row_id, source_table, degree, attributes)
        select n.id, n.type, n.label, n.row_id, n.source_table, coalesce(d.degree, 0), n.attributes
        from temp.graph_nodes n
        left join (select end, count(*) as degree
                   from (select source as end from edges union all select target from edges) group by end) d
          on d.end = n.id
        order by n.id, n.rowid""")
    for _, sql in indexes:
        conn.execute(sql)
    dangling = conn.execute("""select type, source, target from edges e
                               where not exists (select 1 from nodes where id = e.source)
                                  or not exists (select 1 from nodes where id = e.target) limit 1""").fetchone()
    if dangling:
        kind, source, target = dangling
        raise ValueError(f"graph edge {kind} from {source!r} to {target!r} joins a node the store does not hold")
    conn.execute("drop table temp.graph_nodes")
    conn.execute("drop table temp.graph_edges")


def load_graph(conn) -> nx.MultiDiGraph:
    """The graph as persisted in the nodes and edges tables."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for n in rows(conn, "select * from nodes order by id"):
        g.add_node(n["id"], type=n["type"], label=n["label"], row_id=n["row_id"], table=n["source_table"],
                   **json.loads(n["attributes"]))
    for e in rows(conn, "select * from edges order by id"):
        key = e["id"].split("|")[1]
        g.add_edge(e["source"], e["target"], key=key, type=e["type"], **json.loads(e["attributes"]))
    return g


def edge_views() -> dict[str, str]:
    """One view per edge type, with the labels of both ends."""
    return {f"graph_{kind}": f"""
        select e.source, s.label as source_label, e.target, t.label as target_label, e.attributes
        from edges e join nodes s on s.id = e.source join nodes t on t.id = e.target
        where e.type = '{kind}' order by e.source, e.target""" for kind in EDGE_TYPES}
