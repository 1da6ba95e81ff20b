"""The graph as SQLite rows (the `nodes` and `edges` tables and one view per edge type), and back."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..store.read import rows
from .model import EDGE_TYPES, read_graph

if TYPE_CHECKING:  # networkx is imported by the functions that make a graph: the web server never needs it
    import networkx as nx

_NODE_KEYS = ("type", "label", "row_id", "table")
_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode  # json.dumps with these, one encoder


class _Writer:
    """A sink for read_graph that writes rows, not a graph in memory: each node and edge goes into a temporary
    table as it is read; written out at the end, in id order, the last of a repeated node or edge kept."""

    BATCH = 5000

    def __init__(self, db):
        self.db, self.nodes, self.edges = db, [], []
        db.execute("create temp table graph_nodes (id text, type text, label text, row_id text, "
                   "source_table text, attributes text)")
        db.execute("create temp table graph_edges (id text, source text, key text, target text, type text, "
                   "attributes text)")

    def add_node(self, node_id: str, /, **data) -> None:
        self.nodes.append((node_id, data["type"], data["label"], data["row_id"], data["table"],
                           _JSON({k: v for k, v in data.items() if k not in _NODE_KEYS})))
        if len(self.nodes) >= self.BATCH:
            self.flush()

    def add_edge(self, source: str, target: str, /, key: str, type: str, **attrs) -> None:
        self.edges.append((f"{source}|{key}|{target}", source, key, target, type,
                           _JSON(attrs)))
        if len(self.edges) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        self.db.conn.executemany("insert into temp.graph_nodes values (?, ?, ?, ?, ?, ?)", self.nodes)
        self.db.conn.executemany("insert into temp.graph_edges values (?, ?, ?, ?, ?, ?)", self.edges)
        self.nodes.clear()
        self.edges.clear()

    def write(self) -> None:
        """Edges sorted by (source, target, key), nodes by id with their degree (edges in and out)."""
        self.flush()
        self.db.execute("""insert into edges (id, source, target, type, attributes)
            select id, source, target, type, attributes from temp.graph_edges
            where rowid in (select max(rowid) from temp.graph_edges group by id) order by source, target, key""")
        self.db.execute("""insert into nodes (id, type, label, row_id, source_table, degree, attributes)
            select n.id, n.type, n.label, n.row_id, n.source_table, coalesce(d.degree, 0), n.attributes
            from temp.graph_nodes n
            left join (select end, count(*) as degree
                       from (select source as end from edges union all select target from edges) group by end) d
              on d.end = n.id
            where n.rowid in (select max(rowid) from temp.graph_nodes group by id) order by n.id""")
        dangling = self.db.execute("""select e.id from edges e where not exists (select 1 from nodes where id = e.source)
                                      or not exists (select 1 from nodes where id = e.target) limit 1""").fetchone()
        if dangling:
            raise ValueError(f"graph edge {dangling[0]!r} joins a node the store does not hold")
        self.db.execute("drop table temp.graph_nodes")
        self.db.execute("drop table temp.graph_edges")


def write_graph_rows(db) -> None:
    """Write the graph of everything the store holds into its (empty) nodes and edges tables."""
    writer = _Writer(db)
    read_graph(db, writer)
    writer.write()


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
