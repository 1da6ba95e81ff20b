"""The evidence graph: one networkx model (model.py), written to SQLite (sqlite.py) and to RDF (kb/rdf)."""
from .model import EDGE_TYPES, NODE_TYPES, build_graph
from .sqlite import edge_views, load_graph, write_graph_rows

__all__ = ["EDGE_TYPES", "NODE_TYPES", "build_graph", "edge_views", "load_graph", "write_graph_rows"]
