"""Hostile and heavy input to the web pages: a 4xx with a message, never a 500."""
from __future__ import annotations

import asyncio

import pytest
import yaml
from datasette.app import Datasette

from kb.web.pages import SEARCH_WORDS

from .conftest import ROOT


@pytest.fixture(scope="module")
def get(kb_path):
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    metadata["plugins"]["kb"]["queries_dir"] = str(ROOT / "queries")
    datasette = Datasette([str(kb_path)], metadata=metadata)

    def fetch(path, **params):
        return asyncio.run(datasette.client.get(path, params=params))
    return fetch


def test_a_thousand_word_search_is_a_400_with_a_message(get):
    response = get("/-/search", q=" ".join(["renal"] * 1000))
    assert response.status_code == 400
    assert f"1000 words: search takes at most {SEARCH_WORDS}" in response.text


def test_a_search_at_the_word_limit_still_runs(get):
    response = get("/-/search", q=" ".join(["cryoablation"] * SEARCH_WORDS))
    assert response.status_code == 200 and "Works (" in response.text


def test_home_page_links_the_reviewer_pages_and_the_canned_queries(get):
    response = get("/")
    assert response.status_code == 200
    text = response.text
    for path in ("/-/reviewer", "/-/search", "/-/cite", "/-/sparql", "/kb"):
        assert f'href="{path}"' in text
    assert 'href="/kb/coverage_by_indication"' in text
    assert "<h1>cryo-kb — medical policies on tumour cryoablation</h1>" in text


def test_the_served_app_is_our_datasette(kb_path, monkeypatch):
    """`make serve` runs kb.web.asgi under uvicorn: it serves the home page and the plugin's settings."""
    import httpx

    from kb.web.asgi import create_app
    monkeypatch.setenv("KB_DB", str(kb_path))
    monkeypatch.setenv("KB_METADATA", str(ROOT / "metadata.yml"))

    async def fetch():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://kb") as c:
            return await c.get("/"), await c.get("/-/settings.json")

    home, settings = asyncio.run(fetch())
    assert home.status_code == 200 and 'href="/-/reviewer"' in home.text
    assert settings.json()["suggest_facets"] is False and settings.json()["num_sql_threads"] == 0


def test_kb_serve_serves_with_workers_and_refuses_a_missing_database(kb_path, tmp_path):
    """`make serve` is `kb build` then `kb serve`: two worker processes on 127.0.0.1."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from click.testing import CliRunner

    from kb.cli import cli
    missing = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db"), "--metadata",
                                       str(ROOT / "metadata.yml")])
    assert missing.exit_code == 1 and "none.db: no knowledge base here; run `kb build` first" in missing.output
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "kb", "serve", "--db", str(kb_path), "--metadata",
                               str(ROOT / "metadata.yml"), "--port", str(port), "--workers", "2"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                home = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert 'href="/-/reviewer"' in home
        sparql = urllib.request.urlopen(f"http://127.0.0.1:{port}/-/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D",
                                        timeout=30).read()
        assert b'"boolean": true' in sparql
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_ids_in_tables_link_to_reviewer_pages_and_registries(get):
    references = get("/kb/policy_references", policy_id="premera-7.01.92", number="15").text
    assert 'href="/-/policy/premera-7.01.92"' in references and 'href="/-/work/pmid:32151777"' in references
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/32151777/"' in references
    coverage = get("/kb/coverage", policy_id="bcbsks-liver-tumors").text
    assert 'href="/-/policy/bcbsks-liver-tumors#statement-1"' in coverage


def test_link_targets():
    from kb.web.links import target
    assert target("trial_listings", "nct_id", "NCT01234567") == "https://clinicaltrials.gov/study/NCT01234567"
    assert target("trials", "registry_id", "ChiCTR-123") is None  # only NCT ids have a known registry page
    assert target("works", "id", "pmid:1") == "/-/work/pmid:1" and target("works", "doi", "10.1/x y") == (
        "https://doi.org/10.1/x%20y")
    assert target("policies", "title", "Cryoablation") is None


def test_genre_wording_comes_from_metadata(kb_path):
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    metadata["plugins"]["kb"].update(reviewer_heading="Proton therapy policies", search_placeholder="PROTECT, prostate")
    datasette = Datasette([str(kb_path)], metadata=metadata)
    page = asyncio.run(datasette.client.get("/-/reviewer")).text
    assert "<h1>Proton therapy policies</h1>" in page and 'placeholder="PROTECT, prostate"' in page
    assert "Cryoablation" not in page.split("<h1>")[1].split("</h1>")[0]
