"""The reviewed data files agree with the documents and with the code that reads them."""
from __future__ import annotations

import hashlib
import re

import yaml

from kb.store.schema import TABLES, VIEWS
from kb.queries import read_query

from .conftest import DATA, ROOT


def test_manifest_lists_every_policy_file_once(manifest):
    files = sorted(entry.file for entry in manifest.values())
    assert files == sorted(f"policies/{p.name}" for p in (DATA / "policies").glob("*.txt"))
    originals = [entry.original_name for entry in manifest.values()]
    assert len(set(originals)) == len(originals)
    assert all(re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", name) for name in originals)


def test_manifest_checksums_match(manifest):
    for entry in manifest.values():
        assert hashlib.sha256((DATA / entry.file).read_bytes()).hexdigest() == entry.sha256, entry.id


def test_issuer_evidence_stands_on_the_line_given(manifest):
    for entry in manifest.values():
        issuer = entry.issuer
        if issuer.evidence:
            line = (DATA / entry.file).read_text(encoding="utf-8").split("\n")[issuer.line - 1]
            assert issuer.evidence in line, entry.id
        if issuer.name is None:
            assert issuer.note, f"{entry.id}: an unnamed issuer needs a note saying why"
        else:
            assert issuer.name in issuer.evidence


def test_unnamed_issuers_are_not_guessed(manifest):
    assert manifest["unnamed-solid-tumors-outside-liver"].issuer.name is None
    lines = (DATA / manifest["unnamed-solid-tumors-outside-liver"].file).read_text().split("\n")
    own_text = "\n".join(line for line in lines if not re.match(r"\d+\. ", line))  # not the reference entries
    assert not re.search(r"blue cross|regence|premera|medmutual|©|www\.|https?://", own_text, re.I)


def test_guideline_bodies_are_unique(curation):
    bodies = curation.guideline_bodies
    ids = [b.id for b in bodies]
    names = [alias.lower() for b in bodies for alias in [b.name, *b.aliases]]
    assert len(set(ids)) == len(ids)
    assert len(set(names)) == len(names)


def test_metadata_describes_exactly_the_schema():
    tables = yaml.safe_load((ROOT / "metadata.yml").read_text())["databases"]["kb"]["tables"]
    assert set(tables) == set(TABLES) | set(VIEWS)
    for name, table in TABLES.items():
        assert tables[name].get("description"), name
        assert list(tables[name]["columns"]) == list(table.column_types) + ["sort_key"] * bool(table.sort_key), name
        assert (tables[name].get("sort") == "sort_key") == bool(table.sort_key), name


def test_metadata_describes_the_views(kb):
    tables = yaml.safe_load((ROOT / "metadata.yml").read_text())["databases"]["kb"]["tables"]
    for name in VIEWS:
        assert list(tables[name]["columns"]) == list(kb[name].columns_dict), name


def test_every_query_file_is_titled_and_described():
    files = sorted((ROOT / "queries").glob("*.sql"))
    assert len(files) >= 4
    for path in files:
        query = read_query(path)
        assert query.get("title") and query.get("description"), path.name


def test_no_query_hides_a_table_or_view():
    """Datasette serves a canned query at /kb/<name>: a query named like a table would hide the table."""
    names = {path.stem for path in (ROOT / "queries").glob("*.sql")}
    assert names.isdisjoint(set(TABLES) | set(VIEWS))
    assert not {name for name in names if name.startswith("graph_")}


def test_the_search_terms_of_an_indication_use_its_mesh_heading(curation):
    """data/curation/searches.yml gives each indication it names its MeSH descriptor among its terms."""
    mesh = {i.id: i.mesh for i in curation.indications}
    entries = [s for s in curation.searches if s.role == "indication"]
    assert len(entries) >= 19  # the vocabulary the seeds were mapped with
    for entry in entries:
        if mesh[entry.id]:
            assert f'"{mesh[entry.id].heading}"[MeSH Terms]' in entry.terms, entry.id


def test_libyaml_and_pyyaml_read_the_reviewed_files_alike(monkeypatch):
    """The reviewed files are read by libyaml's loader where PyYAML has it (fast at 10,000 policies); entries
    and the lines they are defined at are what PyYAML's own loader reads."""
    import pytest

    import kb.curation

    if kb.curation._Loader is yaml.SafeLoader:
        pytest.skip("this PyYAML has no libyaml: there is one loader")
    fast = (kb.curation.load_manifest(DATA), kb.curation.load_curation(DATA / "curation"))
    monkeypatch.setattr(kb.curation, "_Loader", yaml.SafeLoader)
    assert (kb.curation.load_manifest(DATA), kb.curation.load_curation(DATA / "curation")) == fast
