"""The reviewer pages through Datasette's test client (the browser tests drive them in Chromium)."""
from __future__ import annotations

import asyncio
import re

import pytest
import yaml
from datasette.app import Datasette

from .conftest import ROOT


@pytest.fixture(scope="module")
def get(kb_path):
    datasette = Datasette([str(kb_path)], metadata=yaml.safe_load((ROOT / "metadata.yml").read_text()))

    def fetch(path, status=200):
        response = asyncio.run(datasette.client.get(path))
        assert response.status_code == status, (path, response.status_code)
        return response
    return fetch


def test_policy_page_marks_every_fact_and_links_citations(get):
    html = get("/-/policy/unnamed-solid-tumors-outside-liver").text
    assert html.count('<li id="L') == 302
    assert html.count('class="fact fact-reference"') == 97 and html.count('class="fact fact-code"') == 11
    line = re.search(r'<li id="L125".*?</li>', html, re.S).group(0)
    assert '<a class="cite" href="/-/work/pmid:32151777"' in line and 'href="#L251"' in line
    assert 'id="statement-6"' in html and 'href="#L33">1. For non-small cell lung cancer' in html


def test_indication_page_side_by_side(get):
    html = get("/-/indication/renal-cell-carcinoma").text
    assert html.count('<th scope="row">') == 6  # six statements from four policies
    assert "(via kidney-neoplasms)" in html
    assert "unique to premera-7.01.92" in html  # the ACR and AUA guidance only Premera lists
    assert "shared: listed by bcbsma-260, unnamed-solid-tumors-outside-liver" in html  # e.g. Kunkle 2008
    lung = get("/-/indication/lung-neoplasms").text
    assert "shared: listed by bcbsma-260, premera-7.01.92, unnamed-solid-tumors-outside-liver" in lung  # SOLSTICE
    assert "Wang 2015 RCT" in html


def test_work_and_trial_pages(get):
    work = get("/-/work/pmid:32151777").text
    assert "Enrichment status: <strong>not fetched</strong>" in work
    assert "Not checked against PubMed: no PubMed record is held for this work" in work  # never "no disagreement"
    assert "No disagreement found" not in work and "Checked against PubMed" not in work
    assert work.count("<textarea") == 3 and "reference #69, cited in “Nonrandomized Studies” line 125" in work
    trial = get("/-/trial/wang-2015").text
    assert trial.count("<tr><td>") == 20 and "bcbsks-liver-tumors line 130" in trial


def test_search_graph_and_missing_pages(get):
    search = get("/-/search?q=SOLSTICE").text
    assert 'href="/-/trial/solstice"' in search and 'href="/-/work/pmid:32151777"' in search
    graph = get("/-/graph.json?node=trial/solstice").json()
    assert graph["centre"]["id"] == "trial/solstice" and len(graph["nodes"]) == 10
    get("/-/policy/no-such-policy", status=404)
    get("/-/graph.json?node=nope", status=404)
    menu = get("/kb").text
    assert 'href="/-/reviewer"' in menu
