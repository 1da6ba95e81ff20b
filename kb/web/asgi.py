"""The served application: Datasette with our metadata and plugin, as each of `kb serve`'s workers builds it
(kb.serve) from KB_DB (the knowledge base) and KB_METADATA (metadata.yml).
"""
from __future__ import annotations

import gc
import os
from pathlib import Path

import yaml
from datasette.app import Datasette

SETTINGS = {
    "suggest_facets": False,  # a facet check per column per page: seconds under load, and nobody asked
    "default_page_size": 50,  # half of Datasette's 100: a table page's time is mostly rendering its rows
    "num_sql_threads": 0,  # SQL in the event loop: queries take milliseconds, while a hop to a thread
                           # queues behind every other request (table pages make a dozen hops)
}


def create_app():
    """The ASGI app for `uvicorn --factory kb.web.asgi:create_app`."""
    metadata = yaml.safe_load(Path(os.environ.get("KB_METADATA", "metadata.yml")).read_text(encoding="utf-8"))
    datasette = Datasette([os.environ.get("KB_DB", "build/kb.db")], metadata=metadata, settings=SETTINGS,
                          cors=False)
    app = datasette.app()
    # What is alive now (the imported modules, Datasette, the metadata) lives as long as the worker: kept out of
    # the collector's reach, a full collection no longer walks it, and a page that triggers one is not held up.
    gc.freeze()
    return app
