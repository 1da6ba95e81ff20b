"""`kb build` on bad reviewed data, dangling curated links, crashes, unwritable folders and killed runs.

Every case edits a copy of data/ (or of a built knowledge base) in a temporary folder.
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest
import sqlite_utils
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb import pipeline
from kb.cli import cli
from kb.curation import load_manifest
from kb.pipeline import build

from .conftest import DATA, ROOT, absent_cache, copy_data

MEDMUTUAL = "policies/medmutual-200802-cryoablation.txt"


def _edit(path, old: str, new: str) -> int:
    """Replace old by new in the file; return the line (from 1) where it stood."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def _build(db, data, *args):
    return CliRunner().invoke(cli, ["build", "--db", str(db), "--data", str(data), "-q",
                                    "--cache", str(absent_cache(db.parent)), *args])


BAD_DATA = [  # file, text replaced, replacement, text on the line named, message after "<file>:<line>: "
    ("policies.yml", "- id: bcbsma-260", "- id: 260", "- id: 260", "`id` must be a string, not 260"),
    ("policies.yml", "    line: 325", "    line: three hundred", "line: three", "`line` must be an integer, "
     "not 'three hundred'"),
    ("policies.yml", "  original_name: 003_", "  orignal_name: 003_", "orignal_name",
     "unknown key 'orignal_name' (expected one of id, file, original_name, sha256, issuer, original, "
     "original_sha256, added)"),
    ("curation/trials.yml", "{work: pmid:32151777,", "{work: [pmid:32151777,", "{work: [pmid:32151777,",
     "not valid YAML: expected ',' or ']', but got '}'"),
    ("curation/trials.yml", "  patients: 128\n", "  patients: many\n", "patients: many",
     "`patients` must be an integer, not 'many'"),
    ("curation/indications.yml", "- id: fibroadenoma\n  label: Fibroadenoma\n", "- id: fibroadenoma\n",
     "- id: fibroadenoma", "missing required key label"),
    ("curation/indications.yml", "  broader: kidney-neoplasms", "  broader: kidney-tumours",
     "- id: renal-cell-carcinoma", "broader indication 'kidney-tumours' of 'renal-cell-carcinoma' is not an id "
     "in this file"),
    ("curation/indications.yml", "patterns: ['\\bbreast\\b']", "patterns: ['\\bbreast(\\b']", "- id: breast-neoplasms",
     "pattern '\\\\bbreast(\\\\b' of 'breast-neoplasms' is not a regular expression: missing ), unterminated "
     "subpattern at position 8"),
    ("curation/trials.yml", "{policy: bcbsma-260, line: 195,", "{policy: bcbsma-260, line: 0,", "line: 0,",
     "line 0 is not a line number (lines count from 1)"),
    ("curation/guideline_bodies.yml", "  name: American College of Radiology\n",
     "  name: [American College of Radiology]\n", "name: [American College", "`name` must be a string, not a "
     "sequence"),
]


@pytest.mark.parametrize("name, old, new, at, message", BAD_DATA, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_DATA)])
def test_bad_reviewed_data_is_one_line_naming_file_and_line(kb_path, scratch_data, tmp_path, name, old, new, at,
                                                            message):
    db = tmp_path / "kb.db"
    shutil.copyfile(kb_path, db)
    before = db.read_bytes()
    path = scratch_data / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    line = text[: text.index(at)].count("\n") + 1
    result = _build(db, scratch_data)
    assert (result.exit_code, result.stderr) == (1, f"Error: {path}:{line}: {message}\n")
    assert db.read_bytes() == before


def test_a_curated_publication_the_documents_no_longer_yield_is_dropped_with_a_warning(scratch_data, tmp_path,
                                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)  # the folder holding data/: files are named from it
    line = _edit(scratch_data / "curation" / "trials.yml", "{work: pmid:32151777,", "{work: pmid:99999999,")
    report = build(tmp_path / "kb.db", scratch_data)
    assert [(p.severity, p.code, p.source, p.line, p.message) for p in report.problems
            if p.code == "curated-link-missing"] == [
        ("warning", "curated-link-missing", "data/curation/trials.yml", line,
         "trial 'solstice': publication 'pmid:99999999' is not a work the policy documents cite; "
         "this entry is left out")]
    kb = sqlite_utils.Database(tmp_path / "kb.db")
    assert kb["trial_publications"].count == 8
    assert kb.execute("select count(*) from trial_publications where trial_id = 'solstice'").fetchone() == (0,)


def test_curated_sources_in_a_policy_not_loaded_are_dropped_and_the_build_exits_3(scratch_data, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)  # the folder holding data/: files are named from it
    (scratch_data / "policies" / "bcbsma-260-cryosurgical-ablation-misc-solid-tumors.txt").write_bytes(b"")
    trials = scratch_data / "curation" / "trials.yml"
    line = trials.read_text().split("\n").index(next(t for t in trials.read_text().split("\n")
                                                    if "{policy: bcbsma-260," in t)) + 1
    db = tmp_path / "kb.db"
    result = _build(db, scratch_data)
    assert result.exit_code == 3
    assert [m for m in result.stderr.split("\n") if "[curated-link-missing]" in m] == [
        f"data/curation/trials.yml:{line}: warning: trial 'acosog-z1072': policy 'bcbsma-260' is not in the "
        f"knowledge base; this entry is left out [curated-link-missing]"]
    kb = sqlite_utils.Database(db)
    assert kb.execute("select count(*) from trial_sources where policy_id = 'bcbsma-260'").fetchone() == (0,)
    assert kb.execute("pragma foreign_key_check").fetchall() == []


def test_messages_are_printed_as_they_are_found_even_when_the_build_crashes(scratch_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the folder holding data/: files are named from it
    (scratch_data / "policies" / "empty.txt").write_bytes(b"")

    def crash(database, tables):
        raise KeyError("type")

    monkeypatch.setattr(pipeline, "_write", crash)
    seen = []
    with pytest.raises(KeyError):
        build(tmp_path / "kb.db", scratch_data, on_problem=seen.append)
    assert [(p.code, p.line) for p in seen if p.source.endswith("empty.txt")] == [
        ("not-in-manifest", 1), ("document-unreadable", 1)]
    result = _build(tmp_path / "kb.db", scratch_data)
    assert isinstance(result.exception, KeyError)
    assert "data/policies/empty.txt:1: error: empty document (0 bytes, no text)" in result.stderr
    assert not (tmp_path / "kb.db").exists()


def test_build_help_documents_the_exit_status():
    assert "3  written, but some documents could not be loaded" in CliRunner().invoke(cli, ["build", "--help"]).stdout


def test_a_read_only_folder_is_one_line_naming_it(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    folder.chmod(0o555)
    command = [sys.executable, "-c", "from kb.cli import cli; cli()", "build", "--db", str(folder / "kb.db"),
               "--data", str(DATA), "--cache", str(absent_cache(tmp_path)), "-q"]
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
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == sorted(
            [concurrent.name, recent.name])
    finally:
        running.kill()
        running.wait()


@pytest.fixture(scope="module")
def unreviewed(tmp_path_factory):
    """A knowledge base where one listed document changed since review and one is not in the manifest."""
    data = copy_data(tmp_path_factory.mktemp("unreviewed") / "data")
    with open(data / MEDMUTUAL, "a", encoding="utf-8") as changed:
        changed.write("\n")
    shutil.copyfile(data / MEDMUTUAL, data / "policies" / "extra-copy.txt")
    db = data.parent / "kb.db"
    build(db, data)
    return db, hashlib.sha256((data / MEDMUTUAL).read_bytes()).hexdigest()


def test_review_status_in_the_database(unreviewed):
    db, seen = unreviewed
    kb = sqlite_utils.Database(db)
    reviewed = next(e.sha256 for e in load_manifest(DATA) if e.id == "medmutual-200802")
    assert kb.execute("select id, review_status, sha256, reviewed_sha256 from policies order by id").fetchall() == [
        ("bcbsks-liver-tumors", "reviewed", "569f75477486d87ee057cf68b9d8139e4aa73529c683fd57ff9e71b075b1aede",
         "569f75477486d87ee057cf68b9d8139e4aa73529c683fd57ff9e71b075b1aede"),
        ("bcbsma-260", "reviewed", "1bbad593ee60fec093d30d274dd7055459c7d2d98e2c341d675ecd23effec8e6",
         "1bbad593ee60fec093d30d274dd7055459c7d2d98e2c341d675ecd23effec8e6"),
        ("extra-copy", "not in manifest", seen, None),
        ("medmutual-200802", "changed since review", seen, reviewed),
        ("premera-7.01.92", "reviewed", "36f1ab465c1008cdb9328f615b7bcbee1895d6600115ca85fa34fcb8207e4217",
         "36f1ab465c1008cdb9328f615b7bcbee1895d6600115ca85fa34fcb8207e4217"),
        ("unnamed-solid-tumors-outside-liver", "reviewed",
         "c68460b5093633fb93d0e83af60516d0102989d781e28d5eb7f9d5769a626159",
         "c68460b5093633fb93d0e83af60516d0102989d781e28d5eb7f9d5769a626159")]
    assert kb.execute("select review_status, count(*) from coverage group by 1 order by 1").fetchall() == [
        ("changed since review", 5), ("not in manifest", 5), ("reviewed", 18)]
    assert kb.execute("select distinct review_status from coverage_matrix where policy_id = 'medmutual-200802'"
                      ).fetchall() == [("changed since review",)]


def test_review_status_in_the_pages(unreviewed):
    db, seen = unreviewed
    datasette = Datasette([str(db)], metadata=yaml.safe_load((ROOT / "metadata.yml").read_text()))

    def get(path):
        response = asyncio.run(datasette.client.get(path))
        assert response.status_code == 200, path
        return response

    changed = get("/-/policy/medmutual-200802").text
    assert 'role="alert">Unreviewed document: <strong>changed since review</strong>.' in changed
    assert f"The file read has sha256 <code>{seen}</code>; data/policies.yml records <code>d4cb10d4" in changed
    assert "Unreviewed document: <strong>not in manifest</strong>." in get("/-/policy/extra-copy").text
    assert "Unreviewed document" not in get("/-/policy/bcbsma-260").text
    assert get("/-/reviewer").text.count("(unreviewed: ") == 2
    assert "unreviewed: changed since review" in get("/-/indication/renal-cell-carcinoma").text
    rows = get("/kb/coverage.json?_shape=array&review_status=changed+since+review").json()
    assert {row["policy_id"] for row in rows} == {"medmutual-200802"} and len(rows) == 5


def test_a_build_leaves_nothing_set_aside_from_the_garbage_collector(scratch_data, tmp_path):
    """The build sets the rows it holds aside from the collector's walks (pipeline._settle), and gives them back at
    its end, written or failed: a program that builds and goes on does not keep the corpus out of collection."""
    import gc

    report = build(tmp_path / "kb.db", scratch_data, cache_path=absent_cache(tmp_path), workers=1)
    assert report.loaded and gc.get_freeze_count() == 0
    (scratch_data / "policies" / "empty.txt").write_text("", encoding="utf-8")  # read after the others: an error
    with pytest.raises(pipeline.BuildError, match="--strict"):
        build(tmp_path / "kb.db", scratch_data, cache_path=absent_cache(tmp_path), strict=True, workers=1)
    assert gc.get_freeze_count() == 0
