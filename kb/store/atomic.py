"""Write a database beside its target and rename it over the target only when complete."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import sqlite_utils


@contextlib.contextmanager
def atomic_database(db_path: Path, start_from: Path | None = None):
    """A database written beside db_path (copied from start_from, if given) and renamed over it on success.

    If anything fails, the temporary file is removed and db_path is left as it was.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    os.close(fd)
    try:
        if start_from is not None:
            shutil.copyfile(start_from, tmp)
        db = sqlite_utils.Database(tmp)
        yield db
        db.close()
        os.replace(tmp, db_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
