"""Shared fixtures: the repository's data, a knowledge base built from it, a scratch data folder."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlite_utils
import yaml

from kb.curation import load_curation, load_manifest
from kb.enrich.cache import DEFAULT_CACHE, DEFAULT_REGISTRY_CACHE
from kb.ingest import curated_bodies, parse_document
from kb.pipeline import build

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def absent_cache(folder: Path) -> Path:
    """A PubMed cache in folder that does not exist, for every build in the tests: a missing cache is an empty
    one, so a developer's data/pubmed-cache.sqlite never changes what the tests expect. The ClinicalTrials.gov
    cache a build looks for beside it (folder/ctgov-cache.sqlite) is absent too."""
    return folder / "absent-pubmed-cache.sqlite"


def copy_data(target: Path) -> Path:
    """A copy of data/ without the caches a developer's `kb enrich` or `kb registry` may have left there."""
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns(DEFAULT_CACHE.name, DEFAULT_REGISTRY_CACHE.name))
    return target


@pytest.fixture(scope="session")
def curation():
    return load_curation(DATA / "curation")


@pytest.fixture(scope="session")
def bodies(curation):
    return curated_bodies(curation)


@pytest.fixture(scope="session")
def manifest():
    return {entry.id: entry for entry in load_manifest(DATA)}


@pytest.fixture(scope="session")
def parsed(manifest, bodies):
    """Every seed policy parsed, by policy id."""
    return {pid: parse_document(DATA / entry.file, entry.file, bodies) for pid, entry in manifest.items()}


@pytest.fixture(scope="session")
def kb_path(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kb")
    path = folder / "kb.db"
    build(path, DATA, cache_path=absent_cache(folder))
    return path


@pytest.fixture(scope="session")
def kb(kb_path) -> sqlite_utils.Database:
    return sqlite_utils.Database(kb_path)


@pytest.fixture
def scratch_data(tmp_path) -> Path:
    """A copy of data/ to add bad documents to; the repository's own data is never touched."""
    return copy_data(tmp_path / "data")


def wait_until_serving(base: str, seconds: float = 30) -> None:
    """Return once the server at base answers (or give up after `seconds`; the test then fails on its own)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/-/versions.json", timeout=1)
            return
        except OSError:
            time.sleep(0.1)


@pytest.fixture(scope="session")
def live_server(kb_path, tmp_path_factory):
    """Datasette served for real on 127.0.0.1 with our metadata and plugin; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    metadata["plugins"]["kb"]["queries_dir"] = str(ROOT / "queries")
    path = tmp_path_factory.mktemp("serve") / "metadata.yml"
    path.write_text(yaml.safe_dump(metadata))
    server = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(kb_path), "--metadata", str(path),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
