"""A rebuilt knowledge base is served from the next request on, without restarting the server.

`kb build` and `kb enrich` rename a new file over the database. A running Datasette keeps the old
file open (its connections hold the deleted inode) and would serve the old knowledge base until
restarted. Before each request this checks whether the file at the database's path is still the
one that was opened (its device and inode); if not, the database is opened afresh with Datasette's
add_database and the SPARQL store is reloaded. Requests already running finish on the file they
began with, and the rename is atomic, so no request ever sees a half-written knowledge base.

This needs Datasette's SQL in the event loop (num_sql_threads 0, as `kb serve` sets it): with SQL
threads, Datasette keeps each thread's connection by database name, and a database opened afresh
under the same name would go on reading the old file through them. There it does nothing.
"""
from __future__ import annotations

import os
import weakref

from datasette.database import Database

from . import sparql
from .config import database_name

_OPENED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # datasette -> (device, inode) it serves


def _identity(path: str) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_dev, status.st_ino


def refresh(datasette) -> bool:
    """Open the knowledge base afresh if its file was replaced since it was opened; True if it was."""
    name = database_name(datasette)
    database = datasette.databases.get(name)
    if database is None or not database.path or datasette.setting("num_sql_threads"):
        return False
    try:
        current = _identity(database.path)
    except OSError:
        return False  # gone for a moment: keep serving what is open
    opened = _OPENED.setdefault(datasette, current)
    if opened == current:
        return False
    datasette.remove_database(name)
    datasette.add_database(Database(datasette, path=database.path, is_mutable=database.is_mutable), name=name,
                           route=database.route)  # the old one closes when its last request lets go
    _OPENED[datasette] = current
    sparql.forget(datasette)
    return True


def wrapper(datasette):
    """ASGI middleware: refresh before every HTTP request."""
    def wrap(app):
        async def checked(scope, receive, send):
            if scope["type"] == "http":
                refresh(datasette)
            await app(scope, receive, send)
        return checked
    return wrap
