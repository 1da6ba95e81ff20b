"""The graph as SQLite rows (the `nodes` and `edges` tables and one view per edge type), and back."""
from __future__ import annotations

import json

import networkx as nx

from ..store.read import rows
from .model import EDGE_TYPES

_NODE_KEYS = ("type", "label", "row_id", "table")


def graph_rows(g: nx.MultiDiGraph) -> tuple[list[dict], list[dict]]:
    nodes = [{"id": n, "type": d["type"], "label": d["label"], "row_id": d["row_id"], "source_table": d["table"],
              "degree": g.degree(n),
              "attributes": json.dumps({k: v for k, v in d.items() if k not in _NODE_KEYS}, sort_keys=True,
                                       ensure_ascii=False)}
             for n, d in sorted(g.nodes(data=True))]
    edges = []
    for source, target, key, data in sorted(g.edges(keys=True, data=True)):
        attrs = {k: v for k, v in data.items() if k != "type"}
        edges.append({"id": f"{source}|{key}|{target}", "source": source, "target": target, "type": data["type"],
                      "attributes": json.dumps(attrs, sort_keys=True, ensure_ascii=False)})
    return nodes, edges


def load_graph(conn) -> nx.MultiDiGraph:
    """The graph as persisted in the nodes and edges tables."""
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
