"""The knowledge base as reviewers meet it: a real Datasette with our metadata and plugin."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest
import yaml
from datasette.app import Datasette

from kb.queries import load_queries, parameters
from kb.web.paging import LAST_PAGE, PAGE_ROWS, page_number, paged

from .conftest import ROOT


@pytest.fixture(scope="module")
def datasette(kb_path):
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    metadata["plugins"]["kb"]["queries_dir"] = str(ROOT / "queries")  # independent of the working folder
    return Datasette([str(kb_path)], metadata=metadata)


@pytest.fixture(scope="module")
def get(datasette):
    def fetch(path: str):
        response = asyncio.run(datasette.client.get(path))
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response
    return fetch


def test_canned_queries_come_from_the_queries_folder(get):
    queries = {q["name"]: q["title"] for q in get("/kb.json").json()["queries"]}
    assert queries == {
        "audit_findings": "Citation audit: where policies disagree with PubMed",
        "cites_pmid": "Everything that cites a given PMID",
        "coverage_by_indication": "Coverage by indication across policies",
        "indication_coverage_matrix": "Coverage matrix (indication × policy)",
        "policy_pair_overlap": "Policies that cite the same works",
        "references_cited_by_several_policies": "References cited by more than one policy",
        "since_last_review": "What is new since a policy's last review",
        "source_lines": "Source lines of a policy",
        "statement_evidence_path": "From a statement to its evidence, trials and results",
        "statements_with_evidence": "Statements with the evidence their sections cite",
        "work_citations": "Everywhere a work is cited",
        "works_cited_by_one_issuer": "Works cited by one issuer only",
        "works_ranked_by_issuers": "Works ranked by how many issuers cite them",
    }


def test_everything_that_cites_a_pmid(get):
    rows = get("/kb/cites_pmid.json?pmid=32151777&_shape=array").json()
    assert [(r["policy_id"], r["reference_number"], r["citation_line"]) for r in rows] == [
        ("bcbsma-260", 20, None), ("premera-7.01.92", 15, None), ("unnamed-solid-tumors-outside-liver", 69, 125)]
    assert rows[2]["citing_sentence"].startswith("Callstrom (2020) published this multicenter, prospective")


def test_references_cited_by_several_policies(get):
    rows = {r["match_key"]: r for r in get("/kb/references_cited_by_several_policies.json?_shape=array").json()}
    assert rows["PMID 32151777"]["policies"] == 3
    assert rows["PMID 32151777"]["cited_as"] == (
        "bcbsma-260 #20 (line 214); premera-7.01.92 #15 (line 262); unnamed-solid-tumors-outside-liver #69 (line 251)")
    assert rows["title: cryosurgical treatment of advanced breast cancer"]["policies"] == 2  # no PMID: by title
    assert sum(k.startswith("PMID") for k in rows) == 55  # as many as a plain search of the files finds
    assert sum(k.startswith("title:") for k in rows) == 5


def test_coverage_by_indication(get):
    rows = get("/kb/coverage_by_indication.json?_shape=array").json()
    assert len(rows) == 23
    renal = [r for r in rows if r["policy_id"] == "bcbsma-260" and r["indication"] == "localized renal cell carcinoma"]
    assert renal[0]["status"] == "medically necessary" and renal[0]["criteria_logic"] == "any"
    assert renal[0]["criteria"].split("\n") == [
        "no more than 4 cm in size",
        "Preservation of kidney function is necessary (ie, the patient has 1 kidney or renal insufficiency defined "
        "by a glomerular filtration rate [GFR] of less than 60 mL/min per m²), and standard surgical approach (ie, "
        "resection of renal tissue) is likely to worsen kidney function substantially [or]",
        "Patient is not considered a surgical candidate"]


def _every_page(get, path: str) -> list[dict]:
    """A canned query's rows, page after page, as a reviewer would follow its next links."""
    rows, page = [], 1
    while True:
        shown = get(f"{path}{'&' if '?' in path else '?'}_shape=array&page={page}").json()
        rows += shown
        if len(shown) < PAGE_ROWS:
            return rows
        page += 1


def test_statements_with_evidence(get):
    rows = _every_page(get, "/kb/statements_with_evidence.json")
    assert len(rows) == 318
    wang = {(r["policy_id"], r["reference_number"], r["indication"], r["sites"], r["role"]) for r in rows
            if r["pmid"] == "25284802"}
    assert ("bcbsks-liver-tumors", 2, "either primary or metastatic tumors in the liver", "liver", "evidence") in wang
    # the other policy cites Wang 2015 only inside "[1-51]", 51 of its 97 references at once: background
    assert {(pid, n, role) for pid, n, _, _, role in wang} == {
        ("bcbsks-liver-tumors", 2, "evidence"), ("unnamed-solid-tumors-outside-liver", 44, "background")}
    assert {r["role_reason"] for r in rows if r["role"] == "background"} == {
        "cites 51 of the 97 references at once (more than half the list)"}


@pytest.mark.parametrize("name", sorted(n for n, q in load_queries().items() if not parameters(q["sql"])))
def test_canned_queries_are_served_a_page_at_a_time(get, kb_path, name):
    """Followed page by page, a served canned query lists every row `kb query` lists, in the same order."""
    with sqlite3.connect(kb_path) as conn:
        cursor = conn.execute(load_queries()[name]["sql"])
        columns = [d[0] for d in cursor.description]
        expected = [dict(zip(columns, row)) for row in cursor]
    assert _every_page(get, f"/kb/{name}.json") == expected


def test_a_canned_query_page_links_the_pages_beside_it(get):
    first = get("/kb/statements_with_evidence").text
    assert ('<p class="pager">Rows 1–100 (page 1) · '
            '<a href="/kb/statements_with_evidence?page=2" rel="next">next 100</a></p>') in first
    last = get("/kb/statements_with_evidence?page=4").text
    assert ('<p class="pager">Rows 301–318 (page 4) · '
            '<a href="/kb/statements_with_evidence?page=3" rel="prev">previous 100</a></p>') in last
    assert "Page 9 is past the last row" in get("/kb/statements_with_evidence?page=9").text
    assert f"Page {LAST_PAGE} is past the last row" in get(f"/kb/statements_with_evidence?page={LAST_PAGE}").text
    for unreadable in ("abc", "-2", "0"):  # the first page, as the query's SQL reads them
        assert "Rows 1–100 (page 1)" in get(f"/kb/statements_with_evidence?page={unreadable}").text
    assert 'rel="next"' not in get("/kb/policy_pair_overlap").text  # one page


@pytest.mark.parametrize("value", ["", "abc", "3", "3.9", " 4", "+2", "-3", "0", "12abc", "1e3", "٣", "500",
                                   "501", "9" * 30])
def test_the_pager_reads_a_page_as_the_paged_sql_does(value):
    """The page the pager says is shown is the page the wrapped SQL returns, whatever the parameter holds; past
    the last page served, the SQL returns no row."""
    numbers = {"sql": "with recursive n(i) as (select 1 union all select i + 1 from n) select i from n"}
    with sqlite3.connect(":memory:") as conn:
        shown = conn.execute(paged(numbers, rows=1)["sql"], {"page": value}).fetchone()
    assert shown == ((page_number(value),) if page_number(value) <= LAST_PAGE else None)


def test_pages_past_the_last_served_say_so(get):
    """Deep pages cost what the rows skipped cost; past LAST_PAGE none is served, and the page says what to do."""
    numbers = {"sql": "with recursive n(i) as (select 1 union all select i + 1 from n) select i from n"}
    with sqlite3.connect(":memory:") as conn:
        last = conn.execute(paged(numbers)["sql"], {"page": str(LAST_PAGE)}).fetchall()
    assert last[0] == ((LAST_PAGE - 1) * PAGE_ROWS + 1,) and len(last) == PAGE_ROWS
    past = get(f"/kb/statements_with_evidence?page={LAST_PAGE + 1}")
    assert past.status_code == 200
    assert ('<p class="pager">Page 501 is not served: pages stop at 500 (the first 50,000 rows). Narrow the '
            'query, or get every row with <code>kb query statements_with_evidence</code> · '
            '<a href="/kb/statements_with_evidence?page=500" rel="prev">previous 100</a></p>') in past.text
    assert get(f"/kb/statements_with_evidence.json?_shape=array&page={'9' * 30}").json() == []


def test_source_lines_query(get):
    rows = get("/kb/source_lines.json?policy_id=premera-7.01.92&first=325&last=325&_shape=array").json()
    assert rows[0]["line"] == 325 and "©2025 Premera All Rights Reserved." in rows[0]["text"]


@pytest.mark.parametrize("table", ["policies", "statements", "criteria", "thresholds", "codes", "policy_references",
                                   "citations", "registered_trials", "guideline_mentions", "problems", "works",
                                   "citation_anomalies", "indications", "coverage_matrix", "trials", "trial_results",
                                   "guidelines", "guideline_recommendations", "nodes", "edges", "works_by_issuers",
                                   "policy_overlap", "pubmed_articles", "citation_audit", "citation_matches"])
def test_table_pages_render_with_descriptions(get, table):
    html = get(f"/kb/{table}").text
    description = yaml.safe_load((ROOT / "metadata.yml").read_text())["databases"]["kb"]["tables"][table]["description"]
    assert description.split("(")[0].split("<")[0][:40] in html.replace("&#39;", "'").replace("&lt;", "<")


def test_line_start_links_to_the_source_lines(get):
    html = get("/kb/statements?policy_id=premera-7.01.92").text
    assert 'href="/kb/lines?policy_id=premera-7.01.92&amp;n__gte=36&amp;n__lte=36&amp;_sort=n"' in html


def test_coverage_view_facets_by_issuer(get):
    data = get("/kb/coverage.json?_facet=issuer&status=medically+necessary").json()
    issuers = {f["value"]: f["count"] for f in data["facet_results"]["issuer"]["results"]}
    assert issuers == {"Blue Cross Blue Shield of Massachusetts": 2, "Premera": 2,
                       "(issuer not named: unnamed-solid-tumors-outside-liver)": 6,
                       "(issuer not named: medmutual-200802)": 5}


def test_every_work_shows_its_enrichment_status(get):
    facets = get("/kb/works.json?_facet=enrichment").json()["facet_results"]["enrichment"]["results"]
    assert {f["value"]: f["count"] for f in facets} == {"not fetched": 138, "no PMID": 33}


def test_status_facet(get):
    facets = get("/kb/statements.json?_facet=status").json()["facet_results"]["status"]["results"]
    assert {f["value"]: f["count"] for f in facets} == {
        "investigational": 7, "medically necessary": 15, "experimental/investigational": 1}


def test_graph_views_are_described_by_the_plugin(get):
    html = get("/kb/graph_reports_trial").text
    assert "Edges of type reports_trial: work → the trial it reports." in html
    rows = get("/kb/graph_reports_trial.json?_shape=array&target=trial/eclipse").json()
    assert [r["source"] for r in rows] == ["work/pmid:26230972", "work/pmid:34384914"]


def test_work_citations_and_overlap_queries(get):
    rows = get("/kb/work_citations.json?work_id=pmid:34384914&_shape=array").json()
    assert [(r["policy_id"], r["reference_number"]) for r in rows] == [("premera-7.01.92", 17)]
    overlap = get("/kb/policy_pair_overlap.json?_shape=array").json()[0]
    assert overlap == {"policy_a": "bcbsma-260", "policy_b": "premera-7.01.92", "shared_works": 36,
                       "all_works": 76, "jaccard": 0.474}


def test_the_database_page_lists_queries_tables_and_views_and_runs_sql(get):
    """/kb is the plugin's page (Datasette's checked every table's permission); a query still runs there."""
    html = get("/kb").text
    for name in ("coverage_by_indication", "statements", "policy_overlap", "coverage", "statements_fts"):
        assert f'href="/kb/{name}"' in html
    assert "<h2 id=\"views\">Views</h2>" in html and "One row per policy document" in html
    answer = get("/kb?sql=select+count(*)+as+policies+from+policies").text
    assert "<th" in answer and ">5<" in answer.replace(" ", "")


def test_the_plugin_serves_the_database_its_settings_name(kb_path, tmp_path):
    """`plugins: kb: database:` names the knowledge base; pages, links and canned queries follow it."""
    served = tmp_path / "evidence_base.db"
    served.write_bytes(kb_path.read_bytes())
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    metadata["databases"] = {"evidence_base": metadata["databases"]["kb"]}
    metadata["plugins"]["kb"].update(database="evidence_base", queries_dir=str(ROOT / "queries"))
    datasette = Datasette([str(served)], metadata=metadata)

    def get(path):
        return asyncio.run(datasette.client.get(path))
    work = get("/-/work/pmid:32151777")
    assert work.status_code == 200 and 'href="/evidence_base/works/pmid:32151777">row</a>' in work.text
    assert 'href="/evidence_base">Tables and queries</a>' in work.text
    cite = get("/-/cite?q=SOLSTICE&style=apa&style=ama")
    assert "/evidence_base/lines?policy_id=unnamed-solid-tumors-outside-liver&amp;n__gte=125" in cite.text
    assert 'href="/-/cite.json?q=SOLSTICE&amp;style=apa&amp;style=ama"' in cite.text  # every argument, in order
    queries = {q["name"] for q in get("/evidence_base.json").json()["queries"]}
    assert {"cites_pmid", "coverage_by_indication"} <= queries
    assert "Edges of type reports_trial" in get("/evidence_base/graph_reports_trial").text

    metadata["plugins"]["kb"]["database"] = "nope"
    misnamed = Datasette([str(served)], metadata=metadata)
    page = asyncio.run(misnamed.client.get("/-/reviewer"))
    assert page.status_code == 404 and "no database &#39;nope&#39; is served" in page.text
    assert asyncio.run(misnamed.client.get("/-/graph.json?node=trial/solstice")).json()["error"] == (
        "no database 'nope' is served: name the knowledge base in metadata.yml (plugins: kb: database)")
    assert asyncio.run(misnamed.client.get("/")).status_code == 200


def test_every_table_says_its_source_and_licence(get):
    """The payers' terms for what was read from their documents (the database's source and licence); NLM's terms
    for PubMed and MeSH; ClinicalTrials.gov's for registry records."""
    nlm = "https://www.nlm.nih.gov/databases/download/terms_and_conditions.html"
    for table, source_url, license_url in [("pubmed_articles", "https://pubmed.ncbi.nlm.nih.gov/", nlm),
                                           ("search_hits", "https://pubmed.ncbi.nlm.nih.gov/", nlm),
                                           ("indications", "https://www.nlm.nih.gov/mesh/meshhome.html", nlm),
                                           ("registry_studies", "https://clinicaltrials.gov/",
                                            "https://clinicaltrials.gov/about-site/terms-conditions")]:
        page = get(f"/kb/{table}").text
        assert f'href="{source_url}"' in page and f'href="{license_url}"' in page, table
    for table in ("policies", "lines", "statements"):
        page = get(f"/kb/{table}").text
        assert "Each payer&#39;s own terms: copyright stays with the issuer" in page, table
        assert "The payers&#39; published medical policies: data/policies/" in page, table
