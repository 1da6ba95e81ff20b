"""The served application: Datasette with our metadata and plugin, one process per core under uvicorn.

`datasette serve` runs one process, so a busy server pages through one core and one interpreter
lock. `kb serve` (what `make serve` runs) starts uvicorn workers instead; each builds the same
Datasette from KB_DB (the knowledge base) and KB_METADATA (metadata.yml).
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

import uvicorn
import yaml
from datasette.app import Datasette
from uvicorn.supervisors import Multiprocess

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
    return datasette.app()


def serve(db: Path, metadata: Path, host: str, port: int, workers: int) -> None:
    """Serve create_app() in `workers` processes until interrupted.

    The listening socket gets TCP_NODELAY, which accepted connections inherit. The workers receive
    the socket pickled, and asyncio then no longer recognises it as TCP and leaves Nagle on, which
    costs every keep-alive response a 40 ms delayed ACK.
    """
    os.environ.update(KB_DB=str(db), KB_METADATA=str(metadata))
    config = uvicorn.Config("kb.web.asgi:create_app", factory=True, host=host, port=port, workers=workers)
    listener = config.bind_socket()
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if workers > 1:
        Multiprocess(config, sockets=[listener]).run()
    else:
        uvicorn.Server(config).run(sockets=[listener])
