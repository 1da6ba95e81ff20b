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
    lung = get("/-/indication/lung-neoplasms").text
    # the blanket <sup>[1-51]</sup> (51 of 97 references) beside the lung statement is background, not evidence:
    # Kunkle 2008 (renal) and Wang 2015 (liver) are listed apart, with why, and never as evidence
    evidence, background = lung.split('<details class="background">')
    background = background.split("</details>")[0]
    assert "Cited only as background, not counted as evidence: 51 works" in background
    assert "/-/work/pmid:18816624" in background and "/-/work/pmid:25284802" in background
    assert "cites 51 of the 97 references at once (more than half the list)" in background
    assert "/-/work/pmid:18816624" not in evidence and "/-/work/pmid:25284802" not in evidence
    assert "shared: listed by bcbsma-260, premera-7.01.92, unnamed-solid-tumors-outside-liver" in lung  # SOLSTICE
    # the Wang 2015 RCT (liver) reached the renal page only through that blanket citation
    assert "Wang 2015 RCT" not in html and "Wang 2015 RCT" in get("/-/indication/liver-neoplasms").text


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


def test_work_page_keeps_background_apart_from_evidence(get):
    """Wang 2015 rests the liver statement; the solid-tumours policy cites it only inside its blanket [1-51]."""
    work = get("/-/work/pmid:25284802").text
    evidence, background = work.split("<h2>Cited near these statements only as background</h2>")
    assert "bcbsks-liver-tumors: either primary or metastatic tumors in the liver" in evidence
    assert "unnamed-solid-tumors-outside-liver" not in evidence.split("<h2>Coverage statements resting on it</h2>")[1]
    assert background.split("</ul>")[0].count("<li>") == 4
    assert "(cites 51 of the 97 references at once (more than half the list))" in background
