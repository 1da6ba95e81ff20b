"""The RDF store written at build time: stamped with its build, swapped in whole, used only when current."""
from __future__ import annotations

import shutil
import sqlite3

import pyoxigraph as ox
import pytest

from kb import pipeline
from kb.rdf.mapping import build_rdf
from kb.rdf.persist import new_stamp, open_store, stamp_of, store_path, write_store


@pytest.fixture
def kb_copy(kb_path, tmp_path):
    copy = tmp_path / "kb.db"
    shutil.copy(kb_path, copy)
    shutil.copytree(store_path(kb_path), store_path(copy))
    return copy


def test_the_build_writes_a_store_of_its_own_graph(kb_path):
    store = open_store(kb_path)
    with sqlite3.connect(kb_path) as conn:
        assert len(store) == len(build_rdf(conn)) > 9000
        assert int((store_path(kb_path) / "BUILD").read_text()) == stamp_of(conn) != 0
    assert bool(store.query("ASK { <https://pubmed.ncbi.nlm.nih.gov/32151777/> ?p ?o }"))


def test_a_store_of_another_build_is_not_used(kb_copy):
    with sqlite3.connect(kb_copy) as conn:
        new_stamp(conn)
    assert open_store(kb_copy) is None
    write_store(kb_copy)
    assert open_store(kb_copy) is not None


def test_a_failed_write_leaves_the_previous_store_whole(kb_copy, monkeypatch):
    before = sorted(p.name for p in store_path(kb_copy).iterdir())

    def broken(self, *args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(ox.Store, "bulk_load", broken)
    with pytest.raises(OSError):
        write_store(kb_copy)
    assert sorted(p.name for p in store_path(kb_copy).iterdir()) == before
    assert [p.name for p in kb_copy.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert open_store(kb_copy) is not None


def test_a_store_loaded_in_many_chunks_holds_every_triple(kb_copy, monkeypatch):
    from kb.rdf import persist

    monkeypatch.setattr(persist, "CHUNK", 1000)  # the seeds' ~9,000 distinct triples in more than ten chunks
    write_store(kb_copy)
    with sqlite3.connect(kb_copy) as conn:
        assert len(open_store(kb_copy)) == len(build_rdf(conn))


def test_a_load_that_fails_after_some_chunks_writes_no_store(kb_copy, monkeypatch):
    from kb.rdf import persist

    loaded = ox.Store.bulk_load
    calls = []

    def fails_third(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full on chunk 3 (simulated)")
        return loaded(self, *args, **kwargs)

    monkeypatch.setattr(persist, "CHUNK", 1000)
    monkeypatch.setattr(ox.Store, "bulk_load", fails_third)
    with sqlite3.connect(kb_copy) as conn:
        new_stamp(conn)
    with pytest.raises(OSError, match="chunk 3"):
        write_store(kb_copy)
    assert len(calls) == 3  # nothing more is loaded once a chunk has failed
    assert open_store(kb_copy) is None and [p.name for p in kb_copy.parent.iterdir() if ".tmp" in p.name] == []


def test_a_build_whose_store_cannot_be_written_warns_and_still_writes_the_database(tmp_path, monkeypatch):
    from .conftest import DATA

    def broken(db_path):
        raise OSError("read-only file system (simulated)")

    monkeypatch.setattr(pipeline, "write_store", broken)
    report = pipeline.build(tmp_path / "kb.db", DATA, cache_path=tmp_path / "absent.sqlite")
    warnings = [p for p in report.problems if p.code == "rdf-store-not-written"]
    assert [w.message for w in warnings] == [
        "the RDF store could not be written (read-only file system (simulated)); SPARQL servers will load the RDF "
        "from the database at start-up"]
    assert (tmp_path / "kb.db").is_file() and open_store(tmp_path / "kb.db") is None


def test_the_server_and_kb_sparql_open_the_current_store_and_load_a_stale_one(kb_copy, monkeypatch):
    """With a current store nothing is loaded from the database; with a stale one it is, and the answers agree."""
    import asyncio

    import yaml
    from click.testing import CliRunner
    from datasette.app import Datasette

    from kb.cli import cli
    from kb.rdf import sparql

    from .conftest import ROOT
    loaded = []
    real_load = sparql.load_store
    monkeypatch.setattr(sparql, "load_store", lambda conn: loaded.append(1) or real_load(conn))
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())

    async def ask():
        datasette = Datasette([str(kb_copy)], metadata=metadata)
        response = await datasette.client.get("/-/sparql", params={"query": "ASK { ?s ?p ?o }"})
        return response.json()

    assert asyncio.run(ask()) == {"head": {}, "boolean": True} and loaded == []
    cited = CliRunner().invoke(cli, ["sparql", str(ROOT / "queries" / "cites_pmid.rq"), "--db", str(kb_copy),
                                     "-p", "pmid=32151777", "--format", "json"])
    assert cited.exit_code == 0 and loaded == []
    with sqlite3.connect(kb_copy) as conn:
        new_stamp(conn)
    assert asyncio.run(ask()) == {"head": {}, "boolean": True} and loaded == [1]
    again = CliRunner().invoke(cli, ["sparql", str(ROOT / "queries" / "cites_pmid.rq"), "--db", str(kb_copy),
                                     "-p", "pmid=32151777", "--format", "json"])
    assert again.output == cited.output and loaded == [1, 1]
