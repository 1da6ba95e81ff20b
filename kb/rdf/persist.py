"""The RDF store written at build time beside the knowledge base, so that a server opens it at once.

Building the RDF from the graph and loading it into Oxigraph takes seconds per thousand policies;
done at server start-up it delayed every start. The build writes an Oxigraph store into
`<db>.oxigraph/` instead (into a fresh folder, swapped in only when complete), tagged with the
knowledge base's build stamp: a random number the pipeline writes into the database
(`PRAGMA user_version`) each time it writes the graph. A server uses the folder only when the two
stamps agree; otherwise the store is stale or missing, and it loads the RDF from the database.
"""
from __future__ import annotations

import itertools
import os
import queue
import secrets
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from .mapping import ntriples

STAMP_FILE = "BUILD"
CHUNK = 250_000  # triples per bulk load (~250 MB of the loader's memory); at 10,000 policies 100,000 took 1.7x as long


def store_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".oxigraph")


def new_stamp(db) -> None:
    """Mark the database as a new build (on the connection that is writing it)."""
    db.execute(f"PRAGMA user_version = {secrets.randbelow(2**31 - 2) + 1}")


def stamp_of(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def write_store(db_path: Path) -> Path:
    """Write db_path's RDF into a fresh Oxigraph folder and swap it in; returns the folder."""
    target = store_path(db_path)
    fresh = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        store = ox.Store(str(fresh))
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            _load(store, ntriples(conn), fresh)
            stamp = stamp_of(conn)
        finally:
            conn.close()
        store.flush()
        del store
        (fresh / STAMP_FILE).write_text(str(stamp), encoding="ascii")
        old = target.with_name(f".{target.name}.{os.getpid()}.old")
        if target.exists():
            target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return target


def _load(store: ox.Store, lines: Iterator[str], spool: Path) -> None:
    """Bulk-load the lines in chunks, each written to one of two files beside the store (`spool`.0.nt, .1.nt)
    and loaded by a thread while this one writes the next: the loader releases the GIL, so the two overlap,
    and a chunk is never held in memory whole (the bulk loader holds what it is given)."""
    free: queue.Queue = queue.Queue()
    written: queue.Queue = queue.Queue()
    paths = [spool.with_name(f"{spool.name}.{i}.nt") for i in range(2)]
    for path in paths:
        free.put(path)
    failure: list[BaseException] = []

    def loader() -> None:
        while (path := written.get()) is not None:
            if not failure:
                try:  # lenient: the IRIs are the mapping's own, percent-encoded, so not checked again
                    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, lenient=True)
                except BaseException as error:  # re-raised in the writing thread
                    failure.append(error)
            free.put(path)  # even after a failure, so the writer never waits for a file forever

    thread = threading.Thread(target=loader, name="rdf-bulk-load")
    thread.start()
    try:
        while not failure:
            path = free.get()
            with open(path, "w", encoding="utf-8") as file:
                file.writelines(itertools.islice(lines, CHUNK))
            if not path.stat().st_size:
                break
            written.put(path)
    finally:
        written.put(None)
        thread.join()
        for path in paths:
            path.unlink(missing_ok=True)
    if failure:
        raise failure[0]


def open_store(db_path: Path) -> ox.Store | None:
    """The persisted store, read-only, if it is of the database's current build; else None."""
    folder = store_path(db_path)
    try:
        stamp = int((folder / STAMP_FILE).read_text(encoding="ascii"))
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
            if stamp != stamp_of(conn):
                return None
        return ox.Store.read_only(str(folder))
    except (OSError, ValueError):
        return None
