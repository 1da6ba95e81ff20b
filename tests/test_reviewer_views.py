"""The reviewer's views of issue 15: the coverage grid, two policies compared, the weight of evidence (each work's
study design), and the indication page kept small. Through a real Datasette test client; the designs through
`kb enrich` against the fake E-utilities server."""
from __future__ import annotations

import asyncio
import csv
import io
import re
import shutil
import sqlite3

import pytest
import yaml
from datasette.app import Datasette

from kb.enrich import Settings
from kb.pipeline import enrich
from kb.store.designs import NOT_CLASSIFIED, PRECEDENCE, classify
from kb.web.pages import TOP_WORKS

from .conftest import ROOT
from .fake_eutils import FakeEutils, article_xml, records_from_policies


def _client(path):
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    metadata["plugins"]["kb"]["queries_dir"] = str(ROOT / "queries")
    datasette = Datasette([str(path)], metadata=metadata)

    def fetch(url, expect=200, **params):
        response = asyncio.run(datasette.client.get(url, params=params or None))
        assert response.status_code == expect, (url, params, response.status_code, response.text[:300])
        return response
    return fetch


@pytest.fixture(scope="module")
def get(kb_path):
    return _client(kb_path)


# The weight of evidence: designs from publication types and MeSH

# TEST DATA: publication types and MeSH descriptors as PubMed writes them, one record per design.
RECORDS = [
    ({"Journal Article", "Randomized Controlled Trial"}, set(), "RCT"),
    ({"Journal Article", "Systematic Review"}, set(), "systematic review/meta-analysis"),
    ({"Meta-Analysis"}, set(), "systematic review/meta-analysis"),
    ({"Practice Guideline"}, set(), "guideline"),
    ({"Journal Article"}, {"Retrospective Studies", "Kidney Neoplasms"}, "cohort"),
    ({"Observational Study"}, set(), "cohort"),
    ({"Case Reports"}, set(), "case series"),
    ({"Journal Article", "Review"}, set(), "review"),
    ({"Journal Article", "Comparative Study"}, {"Cryosurgery"}, "other"),
    (set(), set(), "other"),
]
# TEST DATA: records with two designs' marks, and the design that wins.
BOTH = [
    ({"Practice Guideline", "Systematic Review"}, set(), "guideline"),
    ({"Meta-Analysis", "Randomized Controlled Trial"}, set(), "systematic review/meta-analysis"),
    ({"Randomized Controlled Trial", "Review"}, {"Prospective Studies"}, "RCT"),
    ({"Case Reports"}, {"Retrospective Studies"}, "case series"),
    ({"Review"}, {"Cohort Studies"}, "review"),
]


@pytest.mark.parametrize("types, mesh, design", RECORDS + BOTH)
def test_each_design_is_read_from_publication_types_and_mesh(types, mesh, design):
    assert classify(types, mesh) == design


def test_every_design_wins_over_every_design_after_it():
    for i, (first, types, descriptors) in enumerate(PRECEDENCE):
        for later, later_types, later_descriptors in PRECEDENCE[i + 1:]:
            record_types = {types[0]} | ({later_types[0]} if later_types else set())
            record_mesh = set(descriptors[:1]) | set(later_descriptors[:1])
            assert classify(record_types, record_mesh) == first, (first, later)


def test_without_a_pubmed_record_nothing_is_guessed(kb):
    """The seed build has no PubMed cache: every work, trial reports and guidelines included, is not classified."""
    assert kb.execute("select design, count(*) from works group by 1").fetchall() == [
        (NOT_CLASSIFIED, kb.execute("select count(*) from works").fetchone()[0])]


def _mesh_xml(descriptors: list[str]) -> str:
    return "<MeshHeadingList>" + "".join(
        f'<MeshHeading><DescriptorName MajorTopicYN="N">{d}</DescriptorName></MeshHeading>' for d in descriptors
    ) + "</MeshHeadingList>"


@pytest.fixture(scope="module")
def enriched(kb_path, kb, tmp_path_factory):
    """A copy of the seed knowledge base after `kb enrich` against the fake server, whose records (TEST DATA,
    written from the policies' citations) give the first evidence works of renal cell carcinoma a design each."""
    folder = tmp_path_factory.mktemp("designs")
    path = folder / "kb.db"
    shutil.copyfile(kb_path, path)
    records = records_from_policies(kb)
    pmids = [row[0] for row in kb.execute(
        """select distinct w.pmid from coverage_matrix m join evidence e on e.statement_id = m.statement_id
           join works w on w.id = e.work_id where m.indication_id = 'renal-cell-carcinoma' and w.pmid is not null
           order by w.pmid""")]
    assigned = dict(zip(pmids, [(("Randomized Controlled Trial",), []), (("Meta-Analysis", "Review"), []),
                                (("Case Reports",), ["Retrospective Studies"]), (("Journal Article",), ["Cohort Studies"])]))
    for pmid, (types, mesh) in assigned.items():
        records[pmid] = records[pmid].replace(
            "<PublicationType>Journal Article</PublicationType>",
            "".join(f"<PublicationType>{t}</PublicationType>" for t in types)).replace(
            "</Article>", "</Article>" + _mesh_xml(mesh))
    with FakeEutils(records) as fake:
        enrich(path, folder / "cache.sqlite", Settings(base_url=fake.base_url, email="kb-tests@example.org",
                                                        api_key=None, timeout=2.0, backoff=0.05))
    return path, assigned


def test_kb_enrich_writes_each_works_design(enriched):
    path, assigned = enriched
    conn = sqlite3.connect(path)
    designs = dict(conn.execute("select pmid, design from works where pmid in (%s)" % ",".join("?" * len(assigned)),
                                list(assigned)).fetchall())
    assert sorted(designs.values()) == ["RCT", "case series", "cohort", "systematic review/meta-analysis"]
    assert conn.execute("select distinct design from works where pmid is null").fetchall() == [(NOT_CLASSIFIED,)]
    others = conn.execute("select count(*) from works where pmid is not null and design = 'other'").fetchone()[0]
    assert others == conn.execute("select count(*) from works where pmid is not null").fetchone()[0] - 4


def test_the_designs_are_a_facet_on_works(enriched):
    get = _client(enriched[0])
    facet = get("/kb/works.json", _facet="design").json()["facet_results"]["design"]["results"]
    counts = {f["value"]: f["count"] for f in facet}
    assert counts["RCT"] == 1 and counts["cohort"] == 1 and counts[NOT_CLASSIFIED] == 33
    assert "design" in get("/kb/works.json").json()["facet_results"]  # metadata.yml offers it unasked


def test_the_indication_page_profiles_its_evidence(enriched):
    path, assigned = enriched
    conn = sqlite3.connect(path)
    counted = dict(conn.execute(
        """select w.design, count(distinct w.id) from coverage_matrix m join evidence e on e.statement_id = m.statement_id
           join works w on w.id = e.work_id where m.indication_id = 'renal-cell-carcinoma' group by 1""").fetchall())
    assert counted["RCT"] == counted["case series"] == counted["cohort"] == 1
    html = _client(path)("/-/indication/renal-cell-carcinoma").text
    profile = re.search(r"Evidence by study design: (.*?)</p>", html, re.S).group(1)
    shown = re.findall(r'<span class="design [^"]+">(\d+) ([^<]+)</span>', profile)
    assert shown == [(str(counted[d]), d) for d in ["RCT", "systematic review/meta-analysis", "cohort",
                                                   "case series", "other", NOT_CLASSIFIED] if d in counted]
    statement_profiles = re.findall(r'<td>\s*<span class="profile', html)
    assert len(statement_profiles) == 6  # one per statement row


# The coverage grid

def test_the_grid_has_every_indication_and_policy(get, kb):
    html = get("/-/coverage").text
    indications = kb.execute("select count(distinct indication_id) from coverage_matrix").fetchone()[0]
    assert html.count('<tr id="row-') == indications == 21
    assert html.count('<th scope="col"') == 1 + 5  # the indication column and five policies
    assert html.count('<details class="cell') == 46  # every coverage_matrix row in a cell
    cell = re.search(r'<tr id="row-renal-cell-carcinoma">.*?</tr>', html, re.S).group(0)
    assert 'title="medically necessary (via kidney-neoplasms): ' in cell  # criteria on hover
    assert 'href="/-/policy/premera-7.01.92#L' in cell and "<summary" in cell  # the statement's line, opened without JS


def test_the_grid_filters_by_group_and_status(get):
    html = get("/-/coverage", group="kidney-neoplasms").text
    assert re.findall(r'<tr id="row-([^"]+)"', html) == ["kidney-neoplasms", "renal-cell-carcinoma"]
    assert html.count('<details class="cell') == 7
    both = get("/-/coverage", group="kidney-neoplasms", status="medically necessary").text
    assert both.count('<details class="cell') == 5 and "investigational</summary>" not in both
    assert '<option value="kidney-neoplasms" selected>' in both


def test_the_grid_as_csv(get):
    response = get("/-/coverage.csv", group="kidney-neoplasms")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="coverage.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 7 and {r["indication_id"] for r in rows} == {"kidney-neoplasms", "renal-cell-carcinoma"}
    premera = [r for r in rows if r["policy_id"] == "premera-7.01.92" and r["indication_id"] == "renal-cell-carcinoma"]
    assert premera and all(r["source"] == f"/-/policy/premera-7.01.92#L{r['line_start']}" for r in premera)
    same = get("/-/coverage", group="kidney-neoplasms", _format="csv").text
    assert same == response.text
    assert 'href="/-/coverage.csv?group=kidney-neoplasms"' in get("/-/coverage", group="kidney-neoplasms").text


def test_the_csv_is_streamed_in_chunks_that_join_into_the_whole(get, kb, monkeypatch):
    whole = get("/-/coverage.csv", status="investigational").text
    monkeypatch.setattr("kb.web.pages.CSV_CHUNK", 3)  # ~10 chunks, the last one short
    chunked = get("/-/coverage.csv", status="investigational").text
    rows = list(csv.DictReader(io.StringIO(chunked)))
    expected = kb.execute("select count(*) from coverage_matrix where status = 'investigational'").fetchone()[0]
    assert chunked == whole and len(rows) == expected > 20 and chunked.count("indication_id,") == 1
    assert [(r["indication"], r["issuer"]) for r in rows] == sorted((r["indication"], r["issuer"]) for r in rows)
    monkeypatch.setattr("kb.web.pages.CSV_CHUNK", expected)  # a last chunk exactly full, then an empty one
    assert get("/-/coverage.csv", status="investigational").text == whole


@pytest.mark.parametrize("params", [{"group": "<script>alert(1)</script>"}, {"status": "' or 1=1 --"},
                                    {"group": "x" * 10_000}, {"_format": "xml"}, {"status": "\x00"}])
def test_the_grid_answers_bad_parameters_with_a_400(get, params):
    response = get("/-/coverage", expect=400, **params)
    assert "<script>alert" not in response.text
    assert get("/-/coverage.csv", expect=400, **{k: v for k, v in params.items() if k != "_format"} or
               {"group": "nope"}).text.startswith("no ")


# Two policies compared

def test_compare_two_policies(get):
    html = get("/-/compare", a="premera-7.01.92", b="bcbsma-260").text
    assert html.count('<li><a href="/-/work/') == 51 + 61 - 36  # shared once, and each side's own
    assert re.search(r"<h3>Shared \(36\)</h3>", html) and re.search(r"<h3>Only in a \(15\)</h3>", html)
    assert re.search(r"<h3>Only in b \(25\)</h3>", html)
    assert '<td class="date-review">2025-06-03</td><td class="date-review">2020-09</td>' in html
    lung = re.search(r'<tr class="differs">\s*<th scope="row"><a href="/-/indication/lung-neoplasms">.*?</tr>',
                     html, re.S).group(0)
    assert "The <del>individual</del> has early-stage" in lung and "The <ins>patient</ins> has early-stage" in lung
    assert 'href="/-/policy/premera-7.01.92#L37"' in lung and 'href="/-/policy/bcbsma-260#L46"' in lung


def test_compare_without_both_policies_shows_the_form(get):
    for params in ({}, {"a": "premera-7.01.92"}, {"b": "bcbsma-260"}):
        html = get("/-/compare", **params).text
        assert '<select id="compare-a" name="a">' in html and "Shared (" not in html


@pytest.mark.parametrize("a", ["no-such-policy", "../etc/passwd", "<b>x</b>", "x" * 10_000])
def test_compare_an_unknown_policy_is_a_404_listing_the_policies(get, a):
    html = get("/-/compare", expect=404, a=a, b="bcbsma-260").text
    assert "policies: bcbsks-liver-tumors, bcbsma-260, medmutual-200802, premera-7.01.92, " \
           "unnamed-solid-tumors-outside-liver" in html
    assert "<b>x</b>" not in html


# The indication page, kept small

def _evidence_works(kb, indication_id: str) -> int:
    return kb.execute("""select count(distinct e.work_id) from coverage_matrix m
                         join evidence e on e.statement_id = m.statement_id where m.indication_id = ?""",
                      [indication_id]).fetchone()[0]


def test_the_indication_page_shows_counts(get, kb):
    html = get("/-/indication/renal-cell-carcinoma").text
    total = _evidence_works(kb, "renal-cell-carcinoma")
    assert f"6 statements from 4 policies · 4 medically necessary · 2 investigational · {total} work" in html


def test_the_indication_page_shows_the_top_evidence_and_the_rest_a_page_away(get, kb):
    indication, total = kb.execute(
        """select m.indication_id, count(distinct e.work_id) from coverage_matrix m
           join evidence e on e.statement_id = m.statement_id group by 1 order by 2 desc, 1 limit 1""").fetchone()
    assert total > TOP_WORKS  # the seeds have an indication with more evidence than one page shows
    html = get(f"/-/indication/{indication}").text
    listed = re.search(r'<ol class="top-works" start="1">(.*?)</ol>', html, re.S).group(1)
    assert listed.count("<li>") == TOP_WORKS
    counts = [int(n) for n in re.findall(r"cited here by (\d+) polic", listed)]
    assert counts == sorted(counts, reverse=True)
    pages = -(-total // TOP_WORKS)
    last = get(f"/-/indication/{indication}", page=str(pages)).text
    assert f"page {pages} of {pages}" in last and 'rel="next"' not in last
    assert re.search(r'<ol class="top-works" start="(\d+)">(.*?)</ol>', last, re.S).group(2).count("<li>") == \
        total - (pages - 1) * TOP_WORKS
    seen = []
    for page in range(1, pages + 1):
        shown = get(f"/-/indication/{indication}", page=str(page)).text
        seen += re.findall(r'<li><a href="/-/work/([^"]+)"', re.search(r'<ol class="top-works".*?</ol>', shown, re.S).group(0))
    assert len(seen) == len(set(seen)) == total  # every work one click (a page) away, none twice


@pytest.mark.parametrize("page, status", [("0", 400), ("-1", 400), ("x", 400), ("1e3", 400),
                                          ("99999999999999999999", 400), ("999", 404)])
def test_indication_pages_out_of_range(get, page, status):
    get("/-/indication/renal-cell-carcinoma", expect=status, page=page)


def test_the_new_views_are_linked_from_home_and_the_menu(get):
    home = get("/").text
    assert 'href="/-/coverage"' in home and 'href="/-/compare"' in home
    policy = get("/-/policy/bcbsma-260").text
    assert 'href="/-/coverage">Coverage grid</a>' in policy and 'href="/-/compare">' in policy


def test_the_grid_pages_its_policies(get, monkeypatch):
    """At thousands of policies the grid shows GRID_POLICIES at a time; two here, so the five seeds fill three pages."""
    monkeypatch.setattr("kb.web.pages.GRID_POLICIES", 2)
    columns = []
    for page in (1, 2, 3):
        html = get("/-/coverage", page=str(page)).text
        columns += re.findall(r'<th scope="col"[^>]*><a href="/-/policy/([^"]+)"', html)
        assert f"page {page} of 3" in html
    assert len(columns) == len(set(columns)) == 5
    assert 'href="/-/coverage?status=investigational&amp;page=2"' in get("/-/coverage", status="investigational").text
    get("/-/coverage", expect=404, page="4")
    get("/-/coverage", expect=400, page="0")
    assert len(list(csv.DictReader(io.StringIO(get("/-/coverage.csv").text)))) == 46  # the CSV holds every page


def test_an_unknown_policy_message_lists_a_bounded_number_of_ids(get, monkeypatch):
    monkeypatch.setattr("kb.web.pages.LISTED_IDS", 2)
    html = get("/-/compare", expect=404, a="nope", b="bcbsma-260").text
    assert "policies: bcbsks-liver-tumors, bcbsma-260 and 3 more (the form lists them all)" in html


def test_the_work_page_names_its_design(enriched, get):
    path, assigned = enriched
    rct = next(pmid for pmid, (types, _) in assigned.items() if "Randomized Controlled Trial" in types)
    html = _client(path)(f"/-/work/pmid:{rct}").text
    assert 'Study design: <strong class="design">RCT</strong> (read from its PubMed publication types and MeSH)' in html
    assert 'Study design: <strong class="design">not classified</strong> (no PubMed record is held, so none is guessed)' \
        in get("/-/work/pmid:32151777").text


def test_unreviewed_policies_are_marked_in_the_grid_and_the_comparison(kb_path, tmp_path):
    path = tmp_path / "kb.db"
    shutil.copyfile(kb_path, path)
    with sqlite3.connect(path) as conn:
        for table, column in (("policies", "id"), ("coverage_matrix", "policy_id")):  # as a build would write them
            conn.execute(f"update {table} set review_status = 'changed since review' where {column} = 'bcbsma-260'")
    get = _client(path)
    grid = get("/-/coverage").text
    assert grid.count('<small class="review-status">unreviewed: changed since review</small>') == 1  # its column
    cells = re.findall(r'<details class="cell[^"]*">', grid)
    marked = sum(1 for c in cells if "unreviewed" in c)
    assert marked == len(re.findall(r'href="/-/policy/bcbsma-260#L', grid)) > 0  # and each of its cells
    compared = get("/-/compare", a="bcbsma-260", b="premera-7.01.92").text
    assert compared.count("unreviewed: changed since review") == 1
