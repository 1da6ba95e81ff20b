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
    first = lung.split('<details class="background" id="background">')[1].split("</details>")[0]
    assert first.count("<li>") == 20 and '<a href="?background=all#background">all 51</a>' in first
    lung = get("/-/indication/lung-neoplasms?background=all").text
    # the blanket <sup>[1-51]</sup> (51 of 97 references) beside the lung statement is background, not evidence:
    # Kunkle 2008 (renal) and Wang 2015 (liver) are listed apart, with why, and never as evidence
    evidence, background = lung.split('<details class="background" id="background" open>')
    background = background.split("</details>")[0]
    assert "Cited only as background, not counted as evidence: 51 works" in background and background.count("<li>") == 51
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
    missing = get("/-/policy/no-such-policy", status=404).text
    assert "The knowledge base holds no policy with the id “no-such-policy”." in missing
    assert "The 5 policies it holds" in missing and missing.count('<li><a href="/-/policy/') == 5
    assert 'href="/-/policy/premera-7.01.92">premera-7.01.92</a>: Cryoablation of Tumors Located' in missing
    assert "No indication “nope”" in get("/-/indication/nope", status=404).text
    assert "Works a search for it finds (1)" in get("/-/work/SOLSTICE", status=404).text
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


def test_search_reads_the_policies_text_and_the_trials(get):
    """lines_fts: every line of every policy; trials_fts: names, registry ids and design. Matches are marked and
    the rest of the line escaped."""
    found = get("/-/search?q=uveal+melanoma").text
    hits = found.split('<ul class="line-hits">')[1].split("</ul>")[0]
    assert "In the policies' text (4)" in found and hits.count("<li>") == 4
    assert ('<a href="/-/policy/unnamed-solid-tumors-outside-liver#L27">unnamed-solid-tumors-outside-liver line 27</a>:'
            '   - B. <mark>Uveal</mark> <mark>melanoma</mark></li>') in hits
    assert "&#x27;Available from:&#x27;" in hits  # the line's own quotes, escaped
    randomized = get("/-/search?q=randomized").text
    assert randomized.count('href="/-/trial/') == 5 and 'href="/-/trial/wang-2015">Wang 2015 RCT</a>' in randomized
    assert "· multicenter randomized controlled trial" in randomized
    marked = get("/-/search?q=sup").text  # the raw "<sup>" of a line is text, never markup
    assert "&lt;<mark>sup</mark>&gt;" in marked and "<sup>[" not in marked.split('<ul class="line-hits">')[1]


def test_policy_text_renders_its_markup_and_escapes_the_rest(get):
    """<b>, <i>, <sup> and **bold** as formatting; block tags (<p>, <ul>, <li>) as line breaks; chips whole words."""
    html = get("/-/policy/premera-7.01.92").text
    line = re.search(r'<li id="L36".*?</li>\n', html, re.S).group(0)
    assert '<span class="text"><b>Cryosurgical ablation, localized renal cell carcinoma</b><br><b>Cryosurgical' in line
    assert "&lt;" not in line and "<ul" not in line and "<br>• Preservation of kidney function" in line
    assert "60 mL/min per m<sup>2</sup>)" in line
    assert '<span class="text"><strong>OR</strong></span>' in html  # line 49: **OR**
    assert "criterion: Preservation of kidney function is necessary (i.e., the…</a>" in line  # not "the indi"
    assert 'title="criterion: Preservation of kidney function is necessary (i.e., the…"' in line
    assert "ACR ACR" not in html and "<li>ACR Appropriateness Criteria: Post-treatment follow-up" in html


def test_markup_rendering_is_an_allowlist(get):
    from kb.web.pages import render_markup
    assert render_markup("&lt;script&gt;x&lt;/script&gt; &lt;b&gt;open") == "&lt;script&gt;x&lt;/script&gt; &lt;b&gt;open"
    assert render_markup("&lt;b onclick=&quot;x&quot;&gt;y&lt;/b&gt;") == "&lt;b onclick=&quot;x&quot;&gt;y&lt;/b&gt;"
    assert render_markup("a * b 2*3 *Test J*. **B**") == "a * b 2*3 <em>Test J</em>. <strong>B</strong>"


def test_canned_query_pages_are_titled_by_their_title_line(get):
    page = get("/kb/coverage_by_indication").text
    assert "<title>kb: Coverage by indication across policies</title>" in page
    assert "<title>kb: select 1</title>" in get("/kb?sql=select+1").text


def test_graph_page_filters_edge_types_without_script(get):
    """The edge-type checkboxes are a form: submitted, the edge list keeps only the checked types."""
    page = get("/-/graph?node=policy/premera-7.01.92").text
    assert '<input type="checkbox" name="edge" value="cites_work" checked> cites_work (51)' in page
    assert page.split('<ul class="edges">')[1].split("</ul>")[0].count("<li>") == 141  # 2 overlap_of
    lists = get("/-/graph?node=policy/premera-7.01.92&edge=lists&edge=replaces").text
    listed = lists.split('<ul class="edges">')[1].split("</ul>")[0]
    assert listed.count("<li>") == 52 and listed.count("<li>lists: ") == 51
    assert '<input type="checkbox" name="edge" value="cites_work"> cites_work (51)' in lists


def test_tables_read_from_documents_sort_in_document_order(get):
    """Ids sort as text (reference 10 before 2); these tables sort by sort_key: policy, line, character."""
    refs = get("/kb/policy_references.json?_shape=array&_size=12&policy_id=bcbsks-liver-tumors").json()
    assert [r["number"] for r in refs] == list(range(1, 13))
    first = get("/kb/citations.json?_shape=array&_size=max").json()
    assert [r["id"] for r in first[:11]] == [f"bcbsks-liver-tumors:citation:{n}" for n in range(1, 12)]
    assert (first[0]["line_start"], first[0]["sort_key"]) == (71, "bcbsks-liver-tumors:00000071:00008236")
    sections = get("/kb/sections.json?_shape=array&_size=max&policy_id=unnamed-solid-tumors-outside-liver").json()
    assert [s["number"] for s in sections] == sorted(s["number"] for s in sections)


def test_policy_page_counts_each_statements_evidence_apart_from_background(get):
    html = get("/-/policy/unnamed-solid-tumors-outside-liver").text
    lung = re.search(r'<article id="statement-6".*?</article>', html, re.S).group(0)
    assert ">11 works as evidence</a> · <a href=" in lung
    assert (">51 only as background</a>, not counted (cites 51 of the 97 references at once (more than half the "
            "list))") in lung
    assert "statement_citations?statement_id=unnamed-solid-tumors-outside-liver%3Astatement%3A6&amp;role=background" in lung
    uveal = re.search(r'<article id="statement-2".*?</article>', html, re.S).group(0)
    assert ">7 works as evidence</a></p>" in uveal


def test_reviewer_page_lists_the_policies_a_page_at_a_time(get, monkeypatch):
    """With thousands of policies the list is paged; the indications and trials stay whole on every page."""
    from kb.web import pages
    monkeypatch.setattr(pages, "POLICIES_PER_PAGE", 2)
    first, last = get("/-/reviewer").text, get("/-/reviewer?page=3").text
    assert "Policies 1–2 of 5, by id" in first and "page 1 of 3" in first and 'href="?page=2">next policies' in first
    assert "Policies 5–5 of 5, by id" in last and 'href="?page=2">previous policies' in last
    assert first.count('href="/-/policy/') == 2 and last.count('href="/-/policy/') == 1
    assert first.count('href="/-/indication/') == last.count('href="/-/indication/') > 10
    assert "the 5 policies fill 3 pages" in get("/-/reviewer?page=4", status=404).text
    assert get("/-/reviewer?page=x", status=400).status_code == 400


def test_reviewer_page_counts_the_policies_on_each_indication(get, kb_path):
    import sqlite3
    with sqlite3.connect(kb_path) as db:
        renal = db.execute("select count(distinct policy_id) from coverage_matrix "
                           "where indication_id = 'renal-cell-carcinoma'").fetchone()[0]
    text = get("/-/reviewer").text
    assert f'Renal cell carcinoma</a>\n  ({renal} policies' in text
