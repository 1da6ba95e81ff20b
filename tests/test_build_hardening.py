"""`kb build` on bad reviewed data, dangling curated links, crashes, unwritable folders and killed runs.

Every case edits a copy of data/ (or of a built knowledge base) in a temporary folder.
"""
from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from kb.cli import cli

from .conftest import DATA


def _build(db, data, *args):
    return CliRunner().invoke(cli, ["build", "--db", str(db), "--data", str(data), "-q", *args])


def test_a_read_only_folder_is_one_line_naming_it(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    folder.chmod(0o555)
    command = [sys.executable, "-c", "from kb.cli import cli; cli()", "build", "--db", str(folder / "kb.db"),
               "--data", str(DATA), "-q"]
    if os.geteuid() == 0:  # root writes anywhere unless its capabilities are dropped
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv, so no folder is read-only to this build")
        command = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", *command]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert (result.returncode, result.stderr) == (1, f"Error: {folder}: cannot write the database here: "
                                                     f"Permission denied\n")
    assert list(folder.iterdir()) == []


def test_rebuilds_keep_the_mode_of_the_knowledge_base(kb_path, tmp_path, monkeypatch):
    previous = os.umask(0o027)
    try:
        db = tmp_path / "new" / "kb.db"
        assert _build(db, DATA).exit_code == 0
        assert stat.S_IMODE(db.stat().st_mode) == 0o640  # a new file: the umask's default
    finally:
        os.umask(previous)
    db.chmod(0o664)
    assert _build(db, DATA).exit_code == 0
    assert stat.S_IMODE(db.stat().st_mode) == 0o664
    enriched = tmp_path / "enriched.db"
    shutil.copyfile(kb_path, enriched)
    enriched.chmod(0o644)
    for name, value in {"KB_EUTILS_URL": "http://127.0.0.1:9/", "KB_EUTILS_MAX_TRIES": "1"}.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["enrich", "--db", str(enriched), "--cache", str(tmp_path / "cache.sqlite")])
    assert result.exit_code == 0 and "not fetched" in result.stderr
    assert stat.S_IMODE(enriched.stat().st_mode) == 0o644


def test_leftovers_of_killed_builds_are_removed_and_a_running_build_is_left_alone(tmp_path):
    db = tmp_path / "kb.db"
    killed = subprocess.run([sys.executable, "-c", f"""
import os, signal
from pathlib import Path
from kb.store.atomic import atomic_database
with atomic_database(Path({str(db)!r})) as db:
    db["half"].insert({{"written": 1}})
    os.kill(os.getpid(), signal.SIGKILL)
"""], cwd=tmp_path, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert len(leftovers) == 1 and leftovers[0].startswith(".kb.db.") and leftovers[0].endswith(".tmp")
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        concurrent = tmp_path / f".kb.db.{running.pid}.0a1b2c3d.tmp"  # another build, still writing
        concurrent.write_bytes(b"")
        old = tmp_path / ".kb.db.k2_x9ab.tmp"  # named by an earlier version: no pid, untouched for two hours
        old.write_bytes(b"")
        os.utime(old, (time.time() - 7200, time.time() - 7200))
        recent = tmp_path / ".kb.db.q7_zz01.tmp"  # no pid, touched a minute ago: it may be another run's
        recent.write_bytes(b"")
        os.utime(recent, (time.time() - 60, time.time() - 60))
        assert _build(db, DATA).exit_code == 0
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([concurrent.name, recent.name, "kb.db"])
    finally:
        running.kill()
        running.wait()
