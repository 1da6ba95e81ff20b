"""Write a database beside its target and rename it over the target only when complete.

The temporary file is named `.<target>.<pid>.<random>.tmp`, so a later run can tell the leftovers
of a killed run (its process is gone) from the file a concurrent run is still writing.
"""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import stat
import time
from pathlib import Path

import sqlite_utils

STALE_AFTER = 3600  # seconds untouched after which a temporary file is a leftover even if its pid is alive


class TargetError(Exception):
    """The target's folder cannot be written; the message names it."""


@contextlib.contextmanager
def atomic_database(db_path: Path, start_from: Path | None = None):
    """A database written beside db_path (copied from start_from, if given) and renamed over it on success.

    The new file keeps db_path's mode (or the umask's default for a new file). If anything fails,
    the temporary file is removed and db_path is left as it was.
    """
    folder = db_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_leftovers(db_path)
        tmp = folder / f".{db_path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies
    except OSError as exc:
        raise TargetError(f"{folder}: cannot write the database here: {exc.strerror or exc}") from None
    try:
        if start_from is not None:
            shutil.copyfile(start_from, tmp)
        if db_path.exists():
            os.chmod(tmp, stat.S_IMODE(os.stat(db_path).st_mode))
        db = sqlite_utils.Database(tmp)
        # No rollback journal (in memory it grew with every page a transaction changed) and no sync per
        # commit: a failed write discards the whole file anyway.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -131072")  # 128 MB of pages: indexes grow without rereading the file
        yield db
        db.conn.commit()  # whatever the caller wrote in an open transaction is part of the file
        db.close()
        _fsync(tmp)  # once, before the rename makes the file the knowledge base
        try:
            os.replace(tmp, db_path)
        except OSError as exc:
            raise TargetError(f"{db_path}: cannot put the new database here: {exc.strerror or exc}") from None
    except BaseException:
        for leftover in _companions(tmp):
            leftover.unlink(missing_ok=True)
        raise


def remove_leftovers(db_path: Path) -> list[Path]:
    """Remove the temporary files of runs that were killed while writing db_path; return them."""
    pattern = re.compile(rf"\.{re.escape(db_path.name)}\.(?:(\d+)\.)?\w+\.tmp(?:-journal|-wal|-shm)?")
    removed = []
    for path in db_path.parent.glob(f".{db_path.name}.*.tmp*"):
        match = pattern.fullmatch(path.name)
        if not match:
            continue
        try:
            untouched = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            continue  # its run has just finished or cleaned it
        pid = int(match.group(1)) if match.group(1) else None
        if untouched > STALE_AFTER or (pid is not None and not _alive(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _fsync(path: Path) -> None:
    with open(path, "rb+") as file:
        os.fsync(file.fileno())


def _companions(tmp: Path) -> list[Path]:
    return [tmp] + [tmp.with_name(tmp.name + suffix) for suffix in ("-journal", "-wal", "-shm")]


def write_atomically(path: Path, data: bytes, sync: bool = True) -> None:
    """Write path whole or not at all: a temporary file beside it, renamed over it when complete.

    sync=False skips the fsync, for a cache: after a crash its entry may be empty, which reads as a miss."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as file:
            file.write(data)
            file.flush()
            if sync:
                os.fsync(file.fileno())
        if path.exists():
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
