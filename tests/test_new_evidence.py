"""New evidence since each policy's last review: the real E-utilities client searching a fake PubMed on 127.0.0.1."""
from __future__ import annotations

import asyncio
import html
import re
import shutil
import socket
import sqlite3
import urllib.parse
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlite_utils
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.cli import cli
from kb.curation import CurationError, load_curation
from kb.enrich.client import EutilsClient, Settings
from kb.enrich.registry import fetch_registry
from kb.enrich.searches import plan, search_term
from kb.pipeline import build, new_evidence

from .conftest import DATA, ROOT, absent_cache
from .fake_clock import FakeClock
from .fake_ctgov import SEED_STUDIES, FakeCtgov
from .fake_eutils import Fault, FakeEutils, Indexed, article_xml
from .test_registry import _client as _ctgov_client
from .test_registry import _settings as _ctgov_settings

TODAY = date(2025, 10, 2)
SEARCHES = load_curation(DATA / "curation").searches
CRYO = '"Cryosurgery"[MeSH Terms]'


def _record(pmid, title, year, edat, headings, types):
    """TEST DATA: a record written for these tests, and what the fake's esearch knows of it."""
    mesh = "".join(f"<MeshHeading><DescriptorName>{h}</DescriptorName></MeshHeading>" for h in ("Cryosurgery",
                                                                                              *headings))
    xml = article_xml(pmid, [("Tester", "T")], title, "Test J", year, publication_types=types,
                      extra=f"<MeshHeadingList>{mesh}</MeshHeadingList>")
    terms = {CRYO, *(f'"{h}"[MeSH Terms]' for h in headings), *(f'"{t}"[Publication Type]' for t in types)}
    return (pmid, xml), Indexed(pmid, edat, frozenset(terms))


# TEST DATA: five papers no policy cites, and two the policies cite (Sagoo 2022, Gao 2024), with made-up dates
# PubMed added them and made-up MeSH headings and publication types.
_WRITTEN = [
    _record("99100001", "Cryoablation of lung metastases: a randomized trial (test record)", 2024, "2024/02/14",
            ["Lung Neoplasms"], ["Randomized Controlled Trial"]),
    _record("99100002", "Cryoablation for renal cell carcinoma: a meta-analysis (test record)", 2025, "2025/08/20",
            ["Carcinoma, Renal Cell", "Kidney Neoplasms"], ["Systematic Review", "Meta-Analysis"]),
    _record("99100003", "Guideline on breast cryoablation (test record)", 2023, "2023/03/01",
            ["Breast Neoplasms"], ["Practice Guideline"]),
    _record("99100004", "Cryoablation versus RFA for HCC: a randomized trial (test record)", 2021, "2021/06/01",
            ["Carcinoma, Hepatocellular", "Liver Neoplasms"], ["Randomized Controlled Trial"]),
    _record("99100005", "Cryoablation for prostate cancer: a randomized trial (test record)", 2024, "2024/09/30",
            ["Prostatic Neoplasms"], ["Randomized Controlled Trial"]),
    _record("34840092", "Percutaneous image-guided cryoablation of spinal metastases: A systematic review", 2022,
            "2021/11/29", ["Bone Neoplasms"], ["Systematic Review"]),
    _record("39285347", "Comparative efficacy of cryoablation versus robot-assisted partial nephrectomy", 2024,
            "2024/09/16", ["Carcinoma, Renal Cell"], ["Meta-Analysis"]),
]
RECORDS = dict(record for record, _ in _WRITTEN)
INDEX = [indexed for _, indexed in _WRITTEN]
FOUND = ["34840092", "39285347", "99100001", "99100002", "99100003", "99100005"]  # 99100004 predates every review


@pytest.fixture
def kb_copy(kb_path, tmp_path):
    path = tmp_path / "kb.db"
    shutil.copyfile(kb_path, path)
    return path


def _settings(fake, **overrides) -> Settings:
    # with an API key, as Bio.Entrez's own pause between requests is then 0.1 s, not 0.33 s (the fake ignores it)
    return Settings(**{"base_url": fake.base_url, "email": "kb-tests@example.org", "api_key": "test-key",
                       "timeout": 2.0, "backoff": 0.05, "max_tries": 2, **overrides})


def _run(kb, cache, fake, today=TODAY, clock=None, **options):
    clock = clock or FakeClock()
    settings = _settings(fake)
    client = EutilsClient(settings, clock=clock.monotonic, sleep=clock.sleep)
    return new_evidence(kb, cache, settings, SEARCHES, today, client=client, **options)


POLICIES = ["bcbsks-liver-tumors", "bcbsma-260", "medmutual-200802", "premera-7.01.92",
            "unnamed-solid-tumors-outside-liver"]


def _covered(kb, policy_id: str | None = None) -> int:
    """How many (indication, policy) pairs the coverage matrix holds (of one policy): the searches the seeds need,
    as no two of them share a review date (36 with the vocabulary of 19 indications)."""
    conn = sqlite3.connect(kb) if isinstance(kb, Path) else kb
    sql = "select count(*) from (select distinct indication_id, policy_id from coverage_matrix where ? in (policy_id, '*'))"
    return conn.execute(sql, [policy_id or "*"]).fetchone()[0]


def _rows(path, sql, params=()):
    return sqlite3.connect(path).execute(sql, params).fetchall()


def _summaries(path) -> dict[str, str]:
    return dict(_rows(path, "select policy_id, summary from since_review"))


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/entrez/eutils/"


def test_each_policy_has_a_last_review_date_read_from_its_own_lines(kb):
    assert [tuple(r) for r in kb.execute("select policy_id, review_date, basis, line_start from policy_reviews")] == [
        ("bcbsks-liver-tumors", "2021-11-05", "latest history entry", 367),
        ("bcbsma-260", "2020-09", "latest history entry", 154),
        ("medmutual-200802", "2024-07-12", "Annual Review Date field", 16),
        ("premera-7.01.92", "2025-06-03", "literature review through (history)", 323),
        ("unnamed-solid-tumors-outside-liver", "2022-12", "Last Review field", 9)]


def test_the_searches_are_built_from_the_reviewed_terms(kb):
    planned = plan(kb, SEARCHES)
    # one per indication a policy covers and its review date: no two seed policies share a review date
    assert len(planned) == _covered(kb) and {p.policies for p in planned} == {(p,) for p in POLICIES}
    assert [p.id for p in planned if p.indication_id == "renal-cell-carcinoma"] == [
        "renal-cell-carcinoma@2020-09", "renal-cell-carcinoma@2022-12",
        "renal-cell-carcinoma@2024-07-12", "renal-cell-carcinoma@2025-06-03"]
    assert search_term(SEARCHES, "fibroadenoma") == (
        '("Cryosurgery"[MeSH Terms] OR cryoablat*[tiab] OR cryosurg*[tiab] OR cryotherap*[tiab] OR '
        '"cryo-ablation"[tiab]) AND ("Fibroadenoma"[MeSH Terms] OR fibroadenoma*[tiab]) AND '
        '("Randomized Controlled Trial"[Publication Type] OR "Systematic Review"[Publication Type] OR '
        '"Meta-Analysis"[Publication Type] OR "Practice Guideline"[Publication Type] OR '
        '"Guideline"[Publication Type])')


@pytest.fixture(scope="module")
def seeds(kb_path, tmp_path_factory):
    """The seeds searched and their trials fetched, against the fake servers: what the README shows."""
    folder = tmp_path_factory.mktemp("seeds")
    kb = folder / "kb.db"
    shutil.copyfile(kb_path, kb)
    with FakeEutils(RECORDS, index=INDEX) as fake:
        report = _run(kb, folder / "cache.sqlite", fake)
    with FakeCtgov(SEED_STUDIES) as registry:
        fetch_registry(kb, folder / "ctgov.sqlite", _ctgov_settings(registry),
                       client=_ctgov_client(_ctgov_settings(registry)))
    return SimpleNamespace(kb=kb, cache=folder / "cache.sqlite", registry_cache=folder / "ctgov.sqlite",
                           report=report, log=fake.log, base_url=fake.base_url)


def test_one_search_per_indication_and_review_date_then_one_efetch_of_the_hits(seeds):
    searches = [r for r in seeds.log if r.path.endswith("esearch.fcgi")]
    fetches = [r for r in seeds.log if r.path.endswith("efetch.fcgi")]
    n = _covered(seeds.kb)
    assert (len(searches), len(fetches), seeds.report.requests) == (n, 1, n + 1)
    assert fetches[0].ids == FOUND
    assert {(r.params["datetype"], r.params["maxdate"], r.params["retmax"]) for r in searches} == {
        ("edat", "2025/10/02", "500")}
    assert sorted({r.params["mindate"] for r in searches}) == ["2020/09", "2021/11/05", "2022/12", "2024/07/12",
                                                               "2025/06/03"]
    report = seeds.report
    assert (report.planned, report.run, report.hits, report.fetched, report.failed) == (n, n, 6, 6, {})


def test_a_reviewer_sees_what_is_new_since_each_review(seeds):
    assert _summaries(seeds.kb) == {
        "bcbsks-liver-tumors": "since your last review (2021-11-05): 0 new RCTs, 0 reviews, 0 guidelines, "
                               "no registered trials listed",
        "bcbsma-260": "since your last review (2020-09): 1 new RCT, 1 review, 1 guideline, no registered trials "
                      "listed",
        "medmutual-200802": "since your last review (2024-07-12): 1 new RCT, 1 review, 0 guidelines, no registered "
                            "trials listed",
        "premera-7.01.92": "since your last review (2025-06-03): 0 new RCTs, 1 review, 0 guidelines, 2 trials "
                           "completed",
        "unnamed-solid-tumors-outside-liver": "since your last review (2022-12): 2 new RCTs, 1 review, 1 guideline, "
                                              "no registered trials listed"}
    # the papers the policies cite are found too, but are not new: Gao 2024 (cited by Premera) and Sagoo 2022
    cited = _rows(seeds.kb, "select distinct pmid, work_id from search_hits where work_id is not null order by 1")
    assert cited == [("34840092", "pmid:34840092"), ("39285347", "pmid:39285347")]
    assert _rows(seeds.kb, "select pmid, evidence_type, indication_id, title from new_evidence "
                           "where policy_id = 'premera-7.01.92'") == [
        ("99100002", "review", "renal-cell-carcinoma",
         "Cryoablation for renal cell carcinoma: a meta-analysis (test record)")]


def test_each_new_work_carries_the_search_that_found_it(seeds):
    term = search_term(SEARCHES, "renal-cell-carcinoma")
    row = _rows(seeds.kb, """select s.term, s.run_on, s.count, s.request, s.pubmed_url, s.note from new_evidence n
                             join literature_searches s on s.id = n.search_id
                             where n.policy_id = 'premera-7.01.92' and n.pmid = '99100002'""")
    assert row == [(term, "2025-10-02", 1,
                    f"{seeds.base_url}esearch.fcgi?" + _query(term, "2025/06/03", "2025/10/02"),
                    "https://pubmed.ncbi.nlm.nih.gov/?term=" + _quote(f'({term}) AND ("2025/06/03"[EDAT] : '
                                                                      f'"3000"[EDAT])'),
                    "searched on 2025-10-02: 1 found")]


def _query(term, mindate, maxdate):
    return urllib.parse.urlencode({"db": "pubmed", "term": term, "datetype": "edat", "mindate": mindate,
                                   "maxdate": maxdate, "retmax": 500})


def _quote(text):
    return urllib.parse.quote(text)


def test_a_search_answered_today_is_not_run_again(seeds, kb_copy, tmp_path):
    cache = tmp_path / "cache.sqlite"
    shutil.copyfile(seeds.cache, cache)
    with FakeEutils(RECORDS, index=INDEX) as fake:
        again = _run(kb_copy, cache, fake)
        n = _covered(kb_copy)
        assert not fake.log and (again.run, again.answered_today, again.requests) == (0, n, 0)
        tomorrow = _run(kb_copy, cache, fake, today=date(2025, 10, 3))
        assert len(fake.requests_to("esearch.fcgi")) == n and not fake.requests_to("efetch.fcgi")
        _run(kb_copy, cache, fake, today=date(2025, 10, 3), refresh=True)
        assert len(fake.requests_to("esearch.fcgi")) == 2 * n
    assert (tomorrow.run, tomorrow.cached, tomorrow.fetched) == (n, 6, 0)
    assert _summaries(kb_copy)["bcbsma-260"].startswith("since your last review (2020-09): 1 new RCT, 1 review")


def test_an_indication_whose_search_could_not_run_says_so(kb_copy, tmp_path):
    with FakeEutils(RECORDS, index=INDEX) as fake:
        ids = [p.id for p in plan(sqlite_utils.Database(kb_copy), SEARCHES)]
        # bone@2020-09 is refused (a refusal is not retried); the searches before it are answered
        fake.search_faults = [Fault()] * ids.index("bone-neoplasms@2020-09") + [Fault(status=400)]
        report = _run(kb_copy, tmp_path / "cache.sqlite", fake)
        assert len(fake.requests_to("esearch.fcgi")) == _covered(kb_copy)
    assert report.failed == {"bone-neoplasms@2020-09": f"esearch bone-neoplasms@2020-09 from 2020/09: HTTP 400 Bad "
                                                       f"Request from {fake.base_url}"}
    assert _rows(kb_copy, "select status, note from review_searches where search_id = 'bone-neoplasms@2020-09'") == [
        ("not searched", "not searched (PubMed refused the search on 2025-10-02)")]
    assert _summaries(kb_copy)["bcbsma-260"] == ("since your last review (2020-09): 1 new RCT, 1 review, 1 guideline "
                                                 f"(1 of {_covered(kb_copy, 'bcbsma-260')} indications not searched), "
                                                 "no registered trials listed")


def test_once_a_search_fails_every_try_the_others_wait_for_the_next_run(kb_copy, tmp_path):
    with FakeEutils(RECORDS, index=INDEX) as fake:
        fake.search_faults = [Fault(status=500), Fault(status=500)]  # the first search, twice: given up
        report = _run(kb_copy, tmp_path / "cache.sqlite", fake)
        assert len(fake.requests_to("esearch.fcgi")) == 2 and not fake.requests_to("efetch.fcgi")
    first = plan(sqlite_utils.Database(kb_copy), SEARCHES)[0]  # bone-neoplasms@2020-09 with the seeds' vocabulary
    gave_up = (f"esearch {first.id} from {first.since.replace('-', '/')}: gave up after 2 tries at {fake.base_url}: "
               f"HTTP 500 Internal Server Error")
    assert report.failed[first.id] == gave_up
    assert set(report.failed.values()) == {gave_up, f"not tried: PubMed did not answer the search {first.id} of this "
                                                    f"run"}
    assert len(report.failed) == _covered(kb_copy)
    assert set(_rows(kb_copy, "select note from review_searches")) == {
        ("not searched (PubMed unreachable on 2025-10-02)",)}


def test_offline_nothing_is_called_nothing_new(kb_copy, tmp_path):
    result = CliRunner(env={"KB_EUTILS_MAX_TRIES": "2", "KB_EUTILS_BACKOFF": "0.01"}).invoke(cli, [
        "new-evidence", "--db", str(kb_copy), "--cache", str(tmp_path / "c.sqlite"), "--eutils-url",
        _closed_port_url(), "--today", "2025-10-02"])
    assert result.exit_code == 0, result.output
    n = _covered(kb_copy)
    assert result.stdout.startswith(f"{n} searches (indication and review date): 0 run, 0 already run today, {n} "
                                    f"could not run; 0 hits: 0 already cached, 0 fetched, 0 not fetched; 2 requests to ")
    assert result.stderr.count("\n") == 3  # the email note, then one line for the search given up, one for the rest
    assert f"  {n - 1} searches could not run (" in result.stderr
    assert "Connection refused" in result.stderr and "Traceback" not in result.output
    summaries = _summaries(kb_copy)
    assert summaries["premera-7.01.92"] == ("since your last review (2025-06-03): not searched (PubMed unreachable "
                                            "on 2025-10-02), trials not fetched from ClinicalTrials.gov")
    assert not any("new RCT" in text for text in summaries.values())


def test_an_offline_rerun_keeps_the_earlier_answers(seeds, kb_copy, tmp_path):
    cache = tmp_path / "cache.sqlite"
    shutil.copyfile(seeds.cache, cache)
    shutil.copyfile(seeds.kb, kb_copy)
    before = _summaries(kb_copy)
    args = ["new-evidence", "--db", str(kb_copy), "--cache", str(cache), "--eutils-url", _closed_port_url(),
            "--today", "2025-10-03"]
    result = CliRunner(env={"KB_EUTILS_MAX_TRIES": "1"}).invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert _summaries(kb_copy) == before
    assert _rows(kb_copy, "select note from literature_searches where id = 'renal-cell-carcinoma@2025-06-03'") == [
        ("searched on 2025-10-02: 1 found; searching again on 2025-10-03 failed (PubMed unreachable)",)]
    strict = CliRunner(env={"KB_EUTILS_MAX_TRIES": "1"}).invoke(cli, args + ["--require-network"])
    assert strict.exit_code == 1 and strict.stderr.endswith(
        f"Error: --require-network: {_covered(kb_copy)} searches could not run and 0 hits could not be fetched\n")


def test_a_truncated_answer_is_searched_again(kb_copy, tmp_path):
    with FakeEutils(RECORDS, index=INDEX) as fake:
        fake.search_faults = [Fault(truncate=True)]
        report = _run(kb_copy, tmp_path / "cache.sqlite", fake)
        assert len(fake.requests_to("esearch.fcgi")) == _covered(kb_copy) + 1
    assert report.run == _covered(kb_copy) and not report.failed


def test_since_review_prints_the_canned_query(seeds):
    result = CliRunner().invoke(cli, ["since-review", "premera-7.01.92", "--db", str(seeds.kb), "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "what,item,title,detail,provenance"
    assert lines[1].startswith('new review,PMID 99100002,Cryoablation for renal cell carcinoma: a meta-analysis '
                               '(test record),Renal cell carcinoma,"search of 2025-10-02 (1 found): (""Cryosurgery""')
    assert [line.split(",")[:2] for line in lines[2:]] == [["trial", nct] for nct in [
        "NCT02399124", "NCT04334785", "NCT04506671", "NCT05505643", "NCT05615545"]]
    table = CliRunner().invoke(cli, ["since-review", "premera-7.01.92", "--db", str(seeds.kb)])
    assert table.stdout.splitlines()[:2] == [
        "premera-7.01.92: since your last review (2025-06-03): 0 new RCTs, 1 review, 0 guidelines, 2 trials "
        "completed",
        "  last review: June 3, 2025 (literature review through (history), line 323)"]
    unknown = CliRunner().invoke(cli, ["since-review", "nope", "--db", str(seeds.kb)])
    assert unknown.exit_code == 1 and unknown.stderr.startswith("Error: no policy 'nope'; one of bcbsks-liver-tumors")


def test_build_loads_what_the_caches_hold(seeds, tmp_path):
    rebuilt = tmp_path / "rebuilt.db"
    build(rebuilt, DATA, cache_path=seeds.cache, registry_cache=seeds.registry_cache)
    assert _summaries(rebuilt) == _summaries(seeds.kb)
    fresh = tmp_path / "fresh.db"
    build(fresh, DATA, cache_path=absent_cache(tmp_path))
    assert set(_rows(fresh, "select distinct note from literature_searches")) == {("not searched (no search has run)",)}


def test_an_indication_without_reviewed_terms_is_searched_by_its_mesh_heading():
    without = [s for s in SEARCHES if s.id != "fibroadenoma"]
    assert search_term(without, "fibroadenoma", "Fibroadenoma") == search_term(SEARCHES, "fibroadenoma").replace(
        ' OR fibroadenoma*[tiab]', '')
    assert search_term(without, "fibroadenoma") is None


def _curation_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "curation"
    shutil.copytree(DATA / "curation", folder)
    return folder


def test_search_terms_for_an_indication_not_in_the_vocabulary_stop_the_build(tmp_path):
    folder = _curation_copy(tmp_path)
    path = folder / "searches.yml"
    text = path.read_text(encoding="utf-8").replace("- id: fibroadenoma\n", "- id: fibroadenomas\n")
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("- id: fibroadenomas") + 1
    with pytest.raises(CurationError) as caught:
        load_curation(folder)
    assert str(caught.value) == f"{path}:{line}: 'fibroadenomas' is not an indication of indications.yml"


@pytest.fixture(scope="module")
def page(seeds):
    """Pages of the seeds' knowledge base, searched and fetched, through Datasette's test client."""
    datasette = Datasette([str(seeds.kb)], metadata=yaml.safe_load((ROOT / "metadata.yml").read_text()))

    def fetch(path):
        response = asyncio.run(datasette.client.get(path))
        assert response.status_code == 200, (path, response.status_code)
        return html.unescape(re.sub(r"\s+", " ", response.text))
    return fetch


def test_the_policy_page_says_what_is_new_since_its_review(page):
    text = page("/-/policy/premera-7.01.92")
    assert ("<strong>since your last review (2025-06-03): 0 new RCTs, 1 review, 0 guidelines, 2 trials completed"
            "</strong>") in text
    assert 'Last review read from <a href="#L323">line 323</a> (literature review through (history): June 3, 2025)' \
        in text
    assert ('<a href="https://pubmed.ncbi.nlm.nih.gov/99100002/">PMID 99100002</a>: Cryoablation for renal cell '
            'carcinoma: a meta-analysis (test record) (2025) — Renal cell carcinoma') in text
    assert "found by the search of 2025-10-02 (1 found)" in text
    assert ('<a href="https://clinicaltrials.gov/study/NCT04334785">NCT04334785</a> (<a href="/-/trial/nct04334785">'
            'nct04334785</a>): <strong class="registry-status">listed as ongoing in the policy; completed on '
            '2025-03-31, results posted on 2025-09-10</strong>') in text
    assert ("enrollment: 186 planned in the policy, 178 actual in the registry (8 fewer); completion: May 2025 in the "
            "policy, 2025-03-31 actual in the registry (2 months earlier)") in text
    bcbsks = page("/-/policy/bcbsks-liver-tumors")
    assert "Nothing new found by the searches that ran." in bcbsks and "No trial with a registry id is listed." in bcbsks


def test_the_trial_page_shows_the_registry_record_and_its_publications(page):
    text = page("/-/trial/nct05615545")
    assert "listed as ongoing in the policy; completed on 2024-10-31, no results posted" in text
    assert '<a href="/-/work/pmid:34840092">PMID 34840092</a> (cited by the policies), background' in text
    results = page("/-/trial/nct04334785")
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/99100006/">PMID 99100006</a> (cited by no policy), result' \
        in results


def test_the_indication_page_lists_what_is_new_for_each_policy(page):
    text = page("/-/indication/renal-cell-carcinoma")
    assert text.count('class="evidence-type"') == 4  # the meta-analysis, new for each of the four policies
    assert ', new for <a href="/-/policy/premera-7.01.92">premera-7.01.92</a> (reviewed 2025-06-03)' in text


def test_an_unsearched_indication_is_never_shown_as_nothing_new(kb_path):
    datasette = Datasette([str(kb_path)], metadata=yaml.safe_load((ROOT / "metadata.yml").read_text()))
    text = html.unescape(asyncio.run(datasette.client.get("/-/policy/premera-7.01.92")).text)
    assert "since your last review (2025-06-03): not searched (no search has run), trials not fetched" in text
    assert "Nothing was searched, so nothing can be said about new evidence." in text
    assert "Nothing new found" not in text


def test_an_indication_page_gives_each_reason_not_searched_once(kb_path):
    """An indication many policies cover names each reason once, with its policies, not a line per policy."""
    with sqlite3.connect(kb_path) as db:
        expected = dict(db.execute("select note, count(*) from review_searches where indication_id = "
                                   "'renal-cell-carcinoma' and status = 'not searched' group by note").fetchall())
    datasette = Datasette([str(kb_path)], metadata=yaml.safe_load((ROOT / "metadata.yml").read_text()))
    text = html.unescape(asyncio.run(datasette.client.get("/-/indication/renal-cell-carcinoma")).text)
    assert expected
    for note, count in expected.items():
        assert text.count(f": {note}") == 1
        assert f"Not searched for {count} polic{'y' if count == 1 else 'ies'}: {note}" in text
