"""`kb serve`: the knowledge base served by uvicorn, one worker process per core.

`datasette serve` runs one process, so a busy server pages through one core and one interpreter lock.
Here uvicorn's workers each build the same Datasette (kb.web.asgi.create_app). This process only
supervises them, so it imports neither Datasette nor the plugin: the workers import them at once,
each on its own core, and the first page no longer waits for this process to import them first.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "kb.web.asgi:create_app"


def serve(db: Path, metadata: Path, host: str, port: int, workers: int) -> None:
    """Serve create_app() in `workers` processes until interrupted.

    The listening socket gets TCP_NODELAY, which accepted connections inherit. The workers receive
    the socket pickled, and asyncio then no longer recognises it as TCP and leaves Nagle on, which
    costs every keep-alive response a 40 ms delayed ACK.
    """
    os.environ.update(KB_DB=str(db), KB_METADATA=str(metadata))
    config = uvicorn.Config(APP, factory=True, host=host, port=port, workers=workers)
    listener = config.bind_socket()
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if workers > 1:
        Multiprocess(config, sockets=[listener]).run()
    else:
        uvicorn.Server(config).run(sockets=[listener])
