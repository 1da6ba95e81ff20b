"""The evidence graph: one model of nodes and edges, as SQL over the store (model.py), written to the nodes and
edges tables and read back as a networkx graph (sqlite.py), and from them to RDF (kb/rdf)."""
from .model import EDGE_TYPES, EDGES, NODE_TYPES, NODES
from .sqlite import edge_views, load_graph, write_graph_rows

__all__ = ["EDGE_TYPES", "EDGES", "NODE_TYPES", "NODES", "edge_views", "load_graph", "write_graph_rows"]
