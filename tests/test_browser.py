"""The reviewer pages in a real browser: Debian's Chromium, headless, driven by Playwright.

Skipped, with the reason, where Chromium or Playwright is missing (`.ci/run` installs Chromium).
Screenshots of every page type are saved to test-artifacts/.
"""
from __future__ import annotations

import csv
import re
import shutil
import socket
import subprocess
import sys

import pytest
import yaml

from .conftest import ROOT, wait_until_serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed; browser tests skipped")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package chromium); "
                                                         "browser tests skipped")
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = {
    "reviewer": ("/-/reviewer", "Cryoablation policies: reviewer pages"),
    "policy": ("/-/policy/unnamed-solid-tumors-outside-liver", "Cryosurgical Ablation of Miscellaneous Solid Tumors"),
    "indication": ("/-/indication/renal-cell-carcinoma", "Renal cell carcinoma"),
    "work": ("/-/work/pmid:32151777", "Multicenter Study of Metastatic Lung Tumors"),
    "trial": ("/-/trial/wang-2015", "Wang 2015 RCT"),
    "search": ("/-/search?q=cryoablation+breast", "Search"),
    "cite": ("/-/cite?q=Kaufman+2004", "Cite a work"),
    "sparql": ("/-/sparql?format=html&query=SELECT+%3Fp+WHERE+%7B+%3Fp+a+kb%3APolicy+%7D", "SPARQL"),
    "graph": ("/-/graph?node=work/pmid:32151777", "Graph around work"),
    "coverage": ("/-/coverage", "Coverage grid"),
    "compare": ("/-/compare?a=premera-7.01.92&b=bcbsma-260", "Compare two policies"),
}


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_type_opens(page, live_server, name):
    path, heading = PAGES[name]
    response = page.goto(live_server + path)
    assert response.status == 200
    assert heading in page.locator("h1").first.inner_text()
    assert page.get_by_label("Search everything").is_visible()  # search from every reviewer page
    fields = "input:not([type=hidden]):not([type=submit]), textarea, select"
    unlabelled = page.evaluate(f"[...document.querySelectorAll('{fields}')].filter(e => !e.labels.length).length")
    assert unlabelled == 0
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=name != "policy")


def test_follow_a_citation_from_the_policy_text_to_the_work_and_back(page, live_server):
    page.goto(live_server + "/-/policy/unnamed-solid-tumors-outside-liver")
    page.locator("#L125 a.cite").click()  # the [69] marker after the SOLSTICE sentence
    page.wait_for_url(re.compile(r"/-/work/pmid:32151777$"))
    assert "SOLSTICE" in page.locator("h1").inner_text()
    page.get_by_role("link", name=re.compile(r"reference #69, cited in .Nonrandomized Studies. line 125")).click()
    page.wait_for_url(re.compile(r"/-/policy/unnamed-solid-tumors-outside-liver#L125$"))
    assert page.evaluate("document.querySelector(':target').id") == "L125"
    page.locator("#L251 a.fact-reference").click()  # the reference entry links to its work too
    page.wait_for_url(re.compile(r"/-/work/pmid:32151777$"))
    page.screenshot(path=str(ARTIFACTS / "citation-followed.png"))


def test_search_from_any_page(page, live_server):
    page.goto(live_server + "/-/indication/lung-neoplasms")
    page.get_by_label("Search everything").fill("SOLSTICE")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/-/search\?q=SOLSTICE"))
    page.get_by_role("link", name="SOLSTICE").click()
    page.wait_for_url(re.compile(r"/-/trial/solstice$"))
    assert page.locator("h1").inner_text() == "SOLSTICE"
    assert page.locator("table tbody tr").count() == 6  # its six results


def test_graph_view_draws_nodes(page, live_server):
    page.goto(live_server + "/-/graph?node=trial/solstice")
    page.wait_for_selector("#cy[data-rendered]")
    drawn = int(page.get_attribute("#cy", "data-rendered"))
    assert drawn == page.evaluate("window.kbGraph.nodes().length") and drawn >= 8
    assert page.locator("#cy canvas").count() > 0
    page.screenshot(path=str(ARTIFACTS / "graph-solstice.png"))


def test_pages_work_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/-/policy/premera-7.01.92")
    assert page.locator("a.cite").count() == 6  # <sup>46, 47</sup> and four single citations
    page.locator("#L177 a.cite").first.click()
    page.wait_for_url(re.compile(r"/-/work/pmid:35550799$"))
    context.close()


def test_coverage_grid_hover_open_filter_and_csv(page, live_server):
    page.goto(live_server + "/-/coverage")
    cell = page.locator("#row-renal-cell-carcinoma details.cell").first
    summary = cell.locator("summary")
    assert summary.get_attribute("title").startswith("medically necessary")  # the criteria on hover
    summary.hover()
    assert not cell.locator("a.source-line").is_visible()
    summary.click()  # the accessible expansion: <details>, no script
    source = cell.locator("a.source-line")
    assert source.is_visible() and cell.locator(".profile").is_visible()
    page.screenshot(path=str(ARTIFACTS / "coverage-cell-open.png"))
    href = source.get_attribute("href")
    source.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    assert page.evaluate("document.querySelector(':target').id") == href.split("#")[1]
    page.goto(live_server + "/-/coverage")
    page.get_by_label("Indication group").select_option("kidney-neoplasms")
    page.get_by_label("Status").select_option("medically necessary")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"/-/coverage\?group=kidney-neoplasms&status=medically\+necessary$"))
    assert page.locator("tbody tr").count() == 2 and page.locator("details.cell").count() == 5
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these cells as CSV").click()
    with open(download.value.path(), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert download.value.suggested_filename == "coverage.csv" and len(rows) == 5
    assert {r["status"] for r in rows} == {"medically necessary"}
    page.screenshot(path=str(ARTIFACTS / "coverage-filtered.png"), full_page=True)


def test_compare_two_policies_chosen_in_the_form(page, live_server):
    page.goto(live_server + "/-/compare")
    page.get_by_label("Policy a").select_option("premera-7.01.92")
    page.get_by_label("Policy b").select_option("bcbsma-260")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"/-/compare\?a=premera-7.01.92&b=bcbsma-260$"))
    lung = page.locator("tr.differs", has=page.get_by_role("link", name="Lung cancer and lung tumors"))
    assert lung.locator("del").first.inner_text() == "individual" and lung.locator("ins").first.inner_text() == "patient"
    assert page.locator("#works-shared li").count() == 36
    assert page.locator("#works-only-a li").count() == 15 and page.locator("#works-only-b li").count() == 25
    page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)
    page.goto(live_server + "/-/compare?a=premera-7.01.92&b=no-such-policy")
    assert "no policy 'no-such-policy'; policies: bcbsks-liver-tumors" in page.get_by_role("alert").inner_text()


def test_evidence_profile_on_the_indication_page(page, live_server):
    page.goto(live_server + "/-/indication/renal-cell-carcinoma")
    overall = page.locator("p", has_text="Evidence by study design")
    assert re.fullmatch(r"Evidence by study design: \d+ not classified", overall.inner_text().strip())
    profiles = page.locator("table.side-by-side tbody tr td .profile")
    assert profiles.count() == 6  # one per statement; the seeds hold no PubMed record, so nothing is classified
    page.screenshot(path=str(ARTIFACTS / "indication-profile.png"), full_page=True)
    page.goto(live_server + "/kb/works")
    assert page.locator(".facet-info[data-column=design]").count() == 1  # the design facet on works


@pytest.mark.parametrize("name", sorted(PAGES) + ["indication-lung", "policy-unknown"])
def test_no_page_overflows_a_1400_px_window(page, live_server, name):
    """At 1400 px nothing scrolls sideways, and the search label is whole (it was cut to "Search ev")."""
    path = {"indication-lung": "/-/indication/lung-neoplasms", "policy-unknown": "/-/policy/nope"}.get(name)
    page.goto(live_server + (path or PAGES[name][0]))
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")
    label = page.locator("label[for=kb-search-q]")
    assert label.inner_text() == "Search everything"
    assert page.evaluate("(l => l.scrollWidth <= l.clientWidth)(document.querySelector('label[for=kb-search-q]'))")
    if name == "indication-lung":
        page.screenshot(path=str(ARTIFACTS / "indication-lung-1400.png"), full_page=True)


def test_graph_view_of_a_policys_large_neighbourhood(page, live_server):
    """Colour and shape by node type with a legend; edge types filtered by checkboxes; each type's first 15
    nodes until "show all"; labels for the centre, the pointed node's neighbours, or all once zoomed, never
    overlapping."""
    page.goto(live_server + "/-/graph?node=policy/premera-7.01.92")
    page.wait_for_selector("#cy[data-rendered]")
    legend = page.inner_text("#graph-legend")
    assert "work (ellipse): 15 of 51" in legend and "reference (vee): 15 of 51" in legend
    assert "statement (diamond): 7" in legend and "policy (round-rectangle): 1" in legend
    styles = page.evaluate("""[...new Set(kbGraph.nodes().map(n => n.data('type')))].map(t =>
        [t, kbGraph.nodes('[type = "' + t + '"]')[0].style('background-color'),
            kbGraph.nodes('[type = "' + t + '"]')[0].style('shape')])""")
    assert len({s[1] for s in styles}) == len({s[2] for s in styles}) == len(styles) >= 10
    shown = int(page.get_attribute("#cy", "data-rendered"))
    # the centre and its 141 edges' other ends, at most 15 of a type
    assert shown == page.evaluate("kbGraph.nodes().not('.hidden').length") == 65  # 2 of them overlap nodes
    page.locator("#graph-legend li[data-type=work] button").click()
    assert int(page.get_attribute("#cy", "data-rendered")) == shown + 36
    edges = int(page.get_attribute("#cy", "data-edges"))
    page.get_by_label("cites_work (51)").uncheck()
    assert int(page.get_attribute("#cy", "data-edges")) == edges - 51
    assert "work (ellipse): 0\n" in page.inner_text("#graph-legend")  # reached only through cites_work
    page.screenshot(path=str(ARTIFACTS / "graph-policy.png"))

    def overlaps() -> int:
        return page.evaluate("""(() => {
            const boxes = kbGraph.nodes('.labelled').map(n => n.boundingBox({includeLabels: true, includeNodes: false}));
            let clashes = 0;
            boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
                if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) clashes += 1; }));
            return clashes; })()""")
    assert page.evaluate("kbGraph.nodes('.labelled').map(n => n.data('centre'))") == [1]  # only the centre at first
    page.evaluate("kbGraph.zoom({level: 2.5, position: kbGraph.nodes('[centre = 1]').position()})")
    assert page.evaluate("kbGraph.nodes('.labelled').length") > 5 and overlaps() == 0
    page.screenshot(path=str(ARTIFACTS / "graph-policy-zoomed.png"))


def test_a_rebuild_shows_at_the_next_page_load_of_a_running_kb_serve(browser, kb_path, tmp_path):
    """`make serve` keeps serving while `kb build` renames a new knowledge base over the file: every page loaded
    meanwhile is whole (the old knowledge base or the new one, never an error), and the next load after the build
    shows the new one, without a restart."""
    served = tmp_path / "kb.db"
    shutil.copy(kb_path, served)
    smaller = tmp_path / "data"
    shutil.copytree(ROOT / "data", smaller, ignore=shutil.ignore_patterns("*-cache.sqlite"))
    entries = yaml.safe_load((smaller / "policies.yml").read_text())
    (smaller / "policies.yml").write_text(yaml.safe_dump([e for e in entries if e["id"] != "medmutual-200802"]))
    (smaller / "policies" / "medmutual-200802-cryoablation.txt").unlink()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "kb", "serve", "--db", str(served), "--metadata",
                               str(ROOT / "metadata.yml"), "--port", str(port), "--workers", "2"], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base, page = f"http://127.0.0.1:{port}", browser.new_page(viewport={"width": 1400, "height": 1000})
    medmutual = "a[href='/-/policy/medmutual-200802']"
    try:
        wait_until_serving(base)
        assert page.goto(f"{base}/-/reviewer").status == 200 and page.locator(medmutual).count() >= 1
        page.screenshot(path=str(ARTIFACTS / "rebuild-before.png"))
        rebuild = subprocess.Popen([sys.executable, "-m", "kb", "build", "--data", str(smaller), "--db", str(served),
                                    "--cache", str(tmp_path / "absent.sqlite"), "-q"], cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        loads = []
        while rebuild.poll() is None:
            response = page.goto(f"{base}/-/reviewer")
            loads.append((response.status, page.locator(medmutual).count() >= 1,
                          page.locator("h1").inner_text()))
        assert rebuild.wait() == 0, rebuild.stderr.read().decode()
        assert loads and all(status == 200 and title == "Cryoablation policies: reviewer pages"
                             for status, _, title in loads), loads
        assert page.goto(f"{base}/-/reviewer").status == 200 and page.locator(medmutual).count() == 0
        assert page.goto(f"{base}/-/policy/medmutual-200802").status == 404
        page.goto(f"{base}/-/reviewer")
        page.screenshot(path=str(ARTIFACTS / "rebuild-after.png"))
    finally:
        page.close()
        server.terminate()
        server.wait(timeout=30)
