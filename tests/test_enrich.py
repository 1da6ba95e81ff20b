"""PubMed enrichment: the real Bio.Entrez client against a fake E-utilities server on 127.0.0.1."""
from __future__ import annotations

import functools
import json
import math
import re
import shutil
import socket
import sqlite3

import pytest
import sqlite_utils
from click.testing import CliRunner

from kb.cli import cli
from kb.enrich import Settings, enrich, import_files
from kb.enrich.apply import PUBMED_TABLES
from kb.enrich.cache import CacheError, PubmedCache
from kb.enrich.client import EutilsClient
from kb.enrich.http import RateLimiter
from kb.enrich.pubmed import RecordError, parse_article
from kb.pipeline import build

from .conftest import DATA
from .fake_clock import FakeClock
from .fake_eutils import LABEL, Fault, FakeEutils, article_xml, records_from_policies

N_PMIDS = 138  # distinct PMIDs the five policies cite


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    """Offline runs back off for real; keep the pauses short in tests."""
    monkeypatch.setenv("KB_EUTILS_BACKOFF", "0.01")
    monkeypatch.setenv("KB_EUTILS_MAX_TRIES", "2")


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    """The client enrich makes times its pauses (rate limit and backoff) by a FakeClock."""
    fake = FakeClock()
    monkeypatch.setattr("kb.enrich.EutilsClient", functools.partial(EutilsClient, clock=fake.monotonic,
                                                                     sleep=fake.sleep))
    return fake


@pytest.fixture
def kb_copy(kb_path, tmp_path):
    path = tmp_path / "kb.db"
    shutil.copyfile(kb_path, path)
    return path


@pytest.fixture(scope="module")
def records(kb):
    return records_from_policies(kb)


def _settings(fake, **overrides):
    return Settings(**{"base_url": fake.base_url, "email": "kb-tests@example.org", "api_key": None,
                       "timeout": 2.0, "backoff": 0.05, **overrides})


def _rows(path, sql):
    return sqlite3.connect(path).execute(sql).fetchall()


def _closed_port_url() -> str:
    """An E-utilities URL on 127.0.0.1 where nothing listens: PubMed unreachable."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/entrez/eutils/"


def _pubmed_tables(path) -> dict[str, list[tuple]]:
    """Every row the enrichment writes, with each work's enrichment status."""
    tables = {name: _rows(path, f"select * from {name} order by 1, 2") for name in PUBMED_TABLES}
    return {**tables, "works": _rows(path, "select id, enrichment from works order by id")}


LINDQUISTER = "unnamed-solid-tumors-outside-liver:reference:72"
TANAKA = "bcbsma-260:reference:7"
SOLSTICE = "32151777"


def _lindquister_record() -> dict[str, str]:
    """TEST DATA: a record written for these tests, for the citation of Lindquister 2020 that gives no PMID."""
    return {"99000001": article_xml("99000001", [("Lindquister", "WS")], "Percutaneous thermal ablation for "
                                    "treatment of osteoid osteoma: a systematic review and analysis",
                                    "Skeletal Radiol", 2020)}


def test_requests_per_batch_and_nothing_on_a_cached_rerun(kb_copy, tmp_path, records):
    cache = tmp_path / "cache.sqlite"
    with FakeEutils(records) as fake:
        report = enrich(kb_copy, cache, _settings(fake, batch_size=50))
        efetches = fake.requests_to("efetch.fcgi")
        assert [len(r.ids) for r in efetches] == [50, 50, 38]
        assert len(efetches) == math.ceil(N_PMIDS / 50) and report.fetched == N_PMIDS and not report.failed
        assert len(fake.requests_to("ecitmatch.cgi")) == 1
        before = len(fake.log)
        again = enrich(kb_copy, cache, _settings(fake, batch_size=50))
        assert len(fake.log) == before and again.requests == 0 and again.cached == N_PMIDS
        enrich(kb_copy, cache, _settings(fake), refresh=True)
        assert len(fake.requests_to("efetch.fcgi")) == 4  # --refresh fetches all again, in one request of 138
    assert _rows(kb_copy, "select count(*) from pubmed_articles") == [(N_PMIDS,)]
    assert _rows(kb_copy, "select enrichment, count(*) from works group by 1 order by 1") == [
        ("enriched", N_PMIDS), ("no PMID", 33)]


def test_every_request_names_the_tool_and_email(kb_copy, tmp_path, records):
    with FakeEutils(records) as fake:
        settings = _settings(fake)
        settings.api_key = "test-key"
        enrich(kb_copy, tmp_path / "cache.sqlite", settings)
        sent = {(r.params.get("tool"), r.params.get("email"), r.params.get("api_key")) for r in fake.log}
    assert sent == {("cryo-kb", "kb-tests@example.org", "test-key")}


def test_long_id_lists_are_posted(records):
    ids = sorted(records)[:120] * 2  # 240 ids, over the 200 at which Bio.Entrez switches to POST
    with FakeEutils(records) as fake:
        EutilsClient(_settings(fake, batch_size=240)).efetch(ids)
        assert [(r.method, len(r.ids)) for r in fake.log] == [("POST", 240)]
    with pytest.raises(ValueError, match="at most 200 ids a request"):
        EutilsClient(Settings()).efetch(ids)


def test_the_rate_limiter_waits_what_is_left_of_its_interval():
    clock = FakeClock()
    limiter = RateLimiter(3, clock.monotonic, clock.sleep)
    starts = []
    for work in (0.0, 0.1, 0.5, 0.0):  # seconds each request takes before the next one asks
        limiter.wait()
        starts.append(clock.now)
        clock.now += work
    assert clock.slept == pytest.approx([0.35, 0.25])  # 1.05 / 3 s between starts, less the time already past
    assert starts == pytest.approx([0.0, 0.35, 0.7, 1.2])
    assert starts[3] - starts[0] >= 1.0  # never 4 starts within one second


@pytest.mark.parametrize("api_key, batch, per_second", [(None, 20, 3), ("test-key", 10, 10)])
def test_every_request_waits_its_turn(kb_copy, tmp_path, records, clock, api_key, batch, per_second):
    with FakeEutils(records) as fake:
        settings = _settings(fake, batch_size=batch)
        settings.api_key = api_key
        enrich(kb_copy, tmp_path / "cache.sqlite", settings)
        requests = len(fake.log)
    assert requests == 1 + math.ceil(N_PMIDS / batch)  # one ECitMatch request, then the efetches
    assert clock.slept == pytest.approx([1.05 / per_second] * (requests - 1))  # the whole interval before each


def test_each_fault_is_survived_with_nothing_lost(kb_copy, tmp_path, records, clock):
    with FakeEutils(records) as fake:
        fake.faults = [Fault(status=429, headers={"Retry-After": "1"}), Fault(status=500), Fault(slow=3.0),
                       Fault(truncate=True)]
        report = enrich(kb_copy, tmp_path / "cache.sqlite", _settings(fake, timeout=1.0, max_tries=5))
        efetches = fake.requests_to("efetch.fcgi")
    assert not report.failed and report.fetched == N_PMIDS
    assert len(efetches) == 5  # 429, 500, too slow (timed out), truncated XML, then the whole batch
    # the rate's pause before the efetch; the 429's Retry-After of 1 s; then backoff from 0.05 s, doubling, each
    # try after it waiting what is left of the rate's interval (0.35 s)
    assert clock.slept == pytest.approx([0.35, 1.0, 0.1, 0.25, 0.2, 0.15, 0.4])
    assert _rows(kb_copy, "select count(*) from pubmed_articles") == [(N_PMIDS,)]


def test_a_failing_batch_loses_nothing_fetched_before_or_after(kb_copy, tmp_path, records):
    cache = tmp_path / "cache.sqlite"
    doomed = sorted(records)[60]  # in the second batch of 50
    with FakeEutils(records, fail_ids={doomed}) as fake:
        report = enrich(kb_copy, cache, _settings(fake, batch_size=50, max_tries=2))
    assert len(report.failed) == 50 and report.fetched == N_PMIDS - 50
    assert set(report.failed.values()) == {f"efetch of 50 PMIDs ({sorted(records)[50]}…): gave up after 2 tries "
                                           f"at {fake.base_url}: HTTP 500 Internal Server Error"}
    with PubmedCache(cache) as kept:
        assert len(kept.cached(records)) == N_PMIDS - 50 and doomed not in kept.cached(records)
    assert _rows(kb_copy, "select enrichment, count(*) from works group by 1 order by 1") == [
        ("enriched", N_PMIDS - 50), ("no PMID", 33), ("not fetched", 50)]


def test_ecitmatch_answers_are_checked_before_they_are_taken(kb_copy, tmp_path, records):
    """TEST DATA: the matched records below are written for this test, from the policies' citations."""
    suzuki = "bcbsma-260:reference:9"
    extra = {**_lindquister_record(),
             "99000002": article_xml("99000002", [("Someone", "A")], "Another paper", "Skin Cancer", 1996)}
    citations = {LINDQUISTER: "99000001", TANAKA: "AMBIGUOUS", suzuki: "99000002"}
    with FakeEutils({**records, **extra}, citations) as fake:
        report = enrich(kb_copy, tmp_path / "cache.sqlite", _settings(fake))
    assert report.matched == 2
    statuses = dict(_rows(kb_copy, "select reference_id, status from citation_matches"))
    assert statuses[LINDQUISTER] == "accepted" and statuses[TANAKA] == "ambiguous"
    assert statuses[suzuki] == "flagged"
    assert _rows(kb_copy, f"select detail from citation_matches where reference_id = '{suzuki}'") == [
        ("PubMed gives Someone (1996); the policy Suzuki (1995)",)]
    assert sum(status == "not found" for status in statuses.values()) == 10
    work = _rows(kb_copy, "select enrichment from works where id like 'work:lindquister%'")
    assert work == [("enriched (PMID 99000001 found by ECitMatch)",)]


def test_audit_finds_the_author_spelling_variants(kb_copy, tmp_path, records):
    assert LABEL in records["12439583"]  # the test record copies Premera's spelling, Pfleiderer
    with FakeEutils(records) as fake:
        enrich(kb_copy, tmp_path / "cache.sqlite", _settings(fake))
    rows = _rows(kb_copy, """select policy_id, policy_value, pubmed_value from citation_audit
                             where checked = 'author' order by policy_id, policy_value""")
    assert ("bcbsma-260", "Pfeleiderer", "Pfleiderer") in rows
    assert ("unnamed-solid-tumors-outside-liver", "Pfliederer", "Pfleiderer") in rows
    assert ("unnamed-solid-tumors-outside-liver", "Klatter", "Klatte") in rows
    assert ("bcbsma-260", "Klätte", "Klatte") in rows
    listed = CliRunner().invoke(cli, ["query", "audit_findings", "--db", str(kb_copy), "--format", "json"])
    assert any(row["policy_value"] == "Pfliederer" and row["reference_line"] == 235
               for row in json.loads(listed.stdout))


def test_retracted_and_corrected_papers_are_flagged(kb_copy, tmp_path, records):
    """TEST DATA: a retraction notice added to one test record, to exercise the audit."""
    notice = ('<CommentsCorrectionsList><CommentsCorrections RefType="RetractionIn"><RefSource>Test notice'
              '</RefSource><PMID Version="1">99000009</PMID></CommentsCorrections></CommentsCorrectionsList>')
    retracted = dict(records)
    retracted["32151777"] = records["32151777"].replace("</MedlineCitation>", notice + "</MedlineCitation>")
    with FakeEutils(retracted) as fake:
        enrich(kb_copy, tmp_path / "cache.sqlite", _settings(fake))
    rows = _rows(kb_copy, """select policy_id, pubmed_value from citation_audit where checked = 'retracted'
                             order by policy_id""")
    assert rows == [("bcbsma-260", "99000009"), ("premera-7.01.92", "99000009"),
                    ("unnamed-solid-tumors-outside-liver", "99000009")]


def test_xml_never_loads_its_dtd(kb_copy, tmp_path, records):
    with FakeEutils(records) as fake:
        enrich(kb_copy, tmp_path / "cache.sqlite", _settings(fake))
        assert not fake.requests_to("pubmed.dtd")  # the DOCTYPE names a DTD on the fake server; never asked for


def test_import_saved_files_offline(kb_copy, tmp_path, records):
    """TEST DATA: a MEDLINE file written for this test (one cited PMID, one no policy cites)."""
    medline = tmp_path / "saved.txt"
    medline.write_text(
        "PMID- 32151777\nTI  - Multicenter Study of Metastatic Lung Tumors Targeted by Interventional Cryoablation\n"
        "      Evaluation (SOLSTICE).\nAU  - Callstrom MR\nFAU - Callstrom, Matthew R\nDP  - 2020 Jul\n"
        "TA  - J Thorac Oncol\nVI  - 15\nIP  - 7\nPG  - 1200-1209\nPT  - Journal Article\n"
        "MH  - *Cryosurgery\nMH  - Lung Neoplasms/*surgery\n\n"
        "PMID- 99000003\nTI  - A paper no policy cites (test record).\nAU  - Tester T\nDP  - 2024\n"
        "TA  - Test J\nPT  - Journal Article\n", encoding="utf-8")
    xml = tmp_path / "saved.xml"
    xml.write_text("<PubmedArticleSet>" + records["25284802"] + "</PubmedArticleSet>", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["enrich", "--db", str(kb_copy), "--cache", str(tmp_path / "c.sqlite"),
                                 "--eutils-url", "http://127.0.0.1:9/entrez/eutils/", "--import", str(medline),
                                 "--import", str(xml)])
    assert result.exit_code == 0, result.output
    assert "3 imported" in result.stdout
    titles = dict(_rows(kb_copy, "select pmid, source from pubmed_articles order by pmid"))
    assert titles == {"25284802": "import:saved.xml", "32151777": "import:saved.txt",
                      "99000003": "import:saved.txt"}
    mesh = _rows(kb_copy, "select descriptor, major, qualifiers from pubmed_mesh where pmid = '32151777'")
    assert mesh == [("Cryosurgery", 1, None), ("Lung Neoplasms", 1, "surgery*")]


def test_offline_enrich_reports_and_keeps_the_knowledge_base(kb_copy, tmp_path):
    runner = CliRunner()
    before = _rows(kb_copy, "select count(*) from works")
    args = ["enrich", "--db", str(kb_copy), "--cache", str(tmp_path / "c.sqlite"), "--eutils-url",
            "http://127.0.0.1:9/entrez/eutils/"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0
    assert f"{N_PMIDS} PMIDs wanted: 0 already cached, 0 fetched, {N_PMIDS} not fetched" in result.stdout
    assert "138 PMIDs not fetched: efetch of 138 PMIDs" in result.stderr and "Connection refused" in result.stderr
    assert "KB_NCBI_EMAIL is not set" in result.stderr
    strict = runner.invoke(cli, args + ["--require-network"])
    assert strict.exit_code == 1 and "--require-network: 138 PMIDs and 13 citations could not be fetched" in \
        strict.stderr
    assert _rows(kb_copy, "select count(*) from works") == before
    assert _rows(kb_copy, "select enrichment, count(*) from works group by 1 order by 1") == [
        ("no PMID", 33), ("not fetched", N_PMIDS)]


def test_build_uses_whatever_the_cache_holds(tmp_path, records, kb_copy):
    cache = tmp_path / "cache.sqlite"
    with FakeEutils(records) as fake:
        enrich(kb_copy, cache, _settings(fake))
    rebuilt = tmp_path / "rebuilt.db"
    build(rebuilt, DATA, cache_path=cache)
    db = sqlite_utils.Database(rebuilt)
    assert db["pubmed_articles"].count == N_PMIDS
    assert db.execute("select count(*) from works where enrichment = 'enriched'").fetchone()[0] == N_PMIDS


def test_medline_records_keep_their_own_text_when_one_pmid_prefixes_another(tmp_path):
    """TEST DATA: two MEDLINE records written for this test; 9900001 is a prefix of 99000012."""
    saved = tmp_path / "two.txt"
    saved.write_text("PMID- 99000012\nTI  - The longer id.\nDP  - 2020\n\n"
                     "PMID- 9900001\nTI  - The shorter id.\nDP  - 2021\n", encoding="utf-8")
    with PubmedCache(tmp_path / "cache.sqlite") as cache:
        assert import_files(cache, [saved]) == 2
        bodies = {pmid: body for pmid, _, body, _, _ in cache.records()}
    assert "The shorter id." in bodies["9900001"] and "The longer id." in bodies["99000012"]


def test_an_enrich_that_fetches_nothing_keeps_what_the_knowledge_base_holds(kb_copy, tmp_path, records):
    with FakeEutils({**records, **_lindquister_record()}, {LINDQUISTER: "99000001"}) as fake:
        enrich(kb_copy, tmp_path / "cache.sqlite", _settings(fake))
    before = _pubmed_tables(kb_copy)
    assert len(before["pubmed_articles"]) == N_PMIDS + 1 and len(before["citation_matches"]) == 13
    empty = tmp_path / "empty.sqlite"
    result = CliRunner().invoke(cli, ["enrich", "--db", str(kb_copy), "--cache", str(empty),
                                      "--eutils-url", _closed_port_url()])
    assert result.exit_code == 0, result.output
    assert f"{N_PMIDS} PMIDs wanted: 0 already cached, 0 fetched, {N_PMIDS} not fetched" in result.stdout
    assert (f"kept from the knowledge base: {N_PMIDS + 1} PubMed articles and 13 ECitMatch answers that {empty} "
            f"does not hold") in result.stderr
    assert _pubmed_tables(kb_copy) == before  # every row, audit and status as it was


def test_records_nobody_asked_for_are_dropped_and_reported(kb_copy, tmp_path, records):
    """TEST DATA: a forged record for a cached PMID, and one for a PMID no policy cites, both sent unasked."""
    cache = tmp_path / "cache.sqlite"
    missing = "25284802"
    with FakeEutils({p: x for p, x in records.items() if p != missing}) as fake:
        enrich(kb_copy, cache, _settings(fake))  # caches every record but one
    forged = article_xml(SOLSTICE, [("Forger", "F")], "A forged record", "Nowhere", 1900)
    stranger = article_xml("99000077", [("Stranger", "S")], "A paper nobody asked for", "Elsewhere", 2001)
    with FakeEutils(records, unasked={SOLSTICE: forged, "99000077": stranger}) as fake:
        result = CliRunner().invoke(cli, ["enrich", "--db", str(kb_copy), "--cache", str(cache),
                                          "--eutils-url", fake.base_url])
        assert [r.ids for r in fake.requests_to("efetch.fcgi")] == [[missing]]
    assert result.exit_code == 0, result.output
    assert f"{N_PMIDS} PMIDs wanted: {N_PMIDS - 1} already cached, 1 fetched, 0 not fetched" in result.stdout
    assert f"  2 PubMed records not asked for, dropped: {SOLSTICE}, 99000077" in result.stderr
    with PubmedCache(cache) as kept:
        bodies = {pmid: body for pmid, _, body, _, _ in kept.records()}
    assert len(bodies) == N_PMIDS and "99000077" not in bodies and "Forger" not in bodies[SOLSTICE]
    assert _rows(kb_copy, f"select title from pubmed_articles where pmid = '{SOLSTICE}'") == [
        ("Multicenter Study of Metastatic Lung Tumors Targeted by Interventional Cryoablation Evaluation (SOLSTICE)",)]


def test_a_record_that_cannot_be_read_is_not_cached_and_is_asked_for_again(kb_copy, tmp_path, records):
    """TEST DATA: one test record with its <Article> cut out."""
    cache = tmp_path / "cache.sqlite"
    broken = {**records, SOLSTICE: re.sub(r"<Article>.*</Article>", "", records[SOLSTICE])}
    with FakeEutils(broken) as fake:
        report = enrich(kb_copy, cache, _settings(fake))
    assert report.fetched == N_PMIDS - 1 and report.failed == {
        SOLSTICE: f"PubMed's record cannot be read (PMID {SOLSTICE}: no <Article> in the record); "
                  f"asked for again next run"}
    with PubmedCache(cache) as kept:
        assert SOLSTICE not in kept.cached(records)
    with FakeEutils(records) as fake:
        again = enrich(kb_copy, cache, _settings(fake))
        assert [r.ids for r in fake.requests_to("efetch.fcgi")] == [[SOLSTICE]]
    assert again.fetched == 1 and not again.failed
    assert _rows(kb_copy, "select enrichment, count(*) from works group by 1 order by 1") == [
        ("enriched", N_PMIDS), ("no PMID", 33)]


def test_an_import_with_a_record_that_cannot_be_read_is_refused(kb_copy, tmp_path, records):
    """TEST DATA: a saved XML file of two test records, one with its <Article> cut out."""
    saved = tmp_path / "saved.xml"
    saved.write_text("<PubmedArticleSet>" + records["25284802"]
                     + re.sub(r"<Article>.*</Article>", "", records[SOLSTICE]) + "</PubmedArticleSet>",
                     encoding="utf-8")
    cache = tmp_path / "c.sqlite"
    result = CliRunner().invoke(cli, ["enrich", "--db", str(kb_copy), "--cache", str(cache),
                                      "--eutils-url", _closed_port_url(), "--import", str(saved)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {saved}: PMID {SOLSTICE}: no <Article> in the record\n"
    with PubmedCache(cache) as kept:
        assert kept.records() == []


@pytest.mark.parametrize("body, message", [
    ("<PubmedArticle><MedlineCitation><PMID>1</PMID></MedlineCitation></PubmedArticle>",
     "PMID 1: no <Article> in the record"),
    ("<PubmedArticle><PMID>2</PMID></PubmedArticle>", "PMID None: no <Article> in the record"),
    ("<PubmedArticle><MedlineCitation><PMID>3</PMID><Article/><MeshHeadingList><MeshHeading><QualifierName/>"
     "</MeshHeading></MeshHeadingList></MedlineCitation></PubmedArticle>",
     "PMID 3: a <MeshHeading> without <DescriptorName>"),
    ("<PubmedArticle><MedlineCitation>", "the record's XML does not parse (no element found: line 1, column 32)"),
])
def test_an_unreadable_record_is_a_record_error(body, message):
    with pytest.raises(RecordError) as caught:
        parse_article(body)
    assert str(caught.value) == message


def test_an_article_without_journal_or_a_numeric_year_is_read():
    article = parse_article("<PubmedArticle><MedlineCitation><PMID>4</PMID><Article><ArticleTitle>T</ArticleTitle>"
                            "</Article></MedlineCitation></PubmedArticle>")
    assert (article["title"], article["journal"], article["year"], article["volume"]) == ("T", None, None, None)
    dated = parse_article("<PubmedArticle><MedlineCitation><PMID>5</PMID><Article><Journal><JournalIssue><PubDate>"
                          "<Year>in press</Year></PubDate></JournalIssue></Journal></Article></MedlineCitation>"
                          "</PubmedArticle>")
    assert dated["year"] is None and dated["pub_date"] == "in press"


def test_a_batch_the_cache_cannot_store_is_not_stored_at_all(kb_copy, tmp_path, records):
    cache = tmp_path / "cache.sqlite"
    PubmedCache(cache).close()
    victim = sorted(records)[70]  # in the second batch of 50
    with sqlite3.connect(cache) as conn:
        conn.execute(f"""create trigger refuse before insert on records when new.pmid = '{victim}'
                         begin select raise(abort, 'refused by the test'); end""")
    before = _pubmed_tables(kb_copy)
    with FakeEutils(records) as fake:
        with pytest.raises(CacheError) as caught:
            enrich(kb_copy, cache, _settings(fake, batch_size=50))
        assert str(caught.value) == (f"{cache}: could not store 50 PubMed records (refused by the test); "
                                     f"none of them was stored")
        with PubmedCache(cache) as kept:
            assert sorted(kept.cached(records)) == sorted(records)[:50]  # the first batch, whole
        result = CliRunner().invoke(cli, ["enrich", "--db", str(kb_copy), "--cache", str(cache),
                                          "--eutils-url", fake.base_url])
    assert result.exit_code == 1
    assert result.stderr.endswith(f"Error: {cache}: could not store {N_PMIDS - 50} PubMed records "
                                  f"(refused by the test); none of them was stored\n")
    with PubmedCache(cache) as kept:
        assert len(kept.cached(records)) == 50
    assert _pubmed_tables(kb_copy) == before  # the knowledge base is not touched


def test_a_retry_after_of_an_hour_waits_only_the_backoff_cap(kb_copy, tmp_path, records, clock):
    with FakeEutils(records) as fake:
        fake.faults = [Fault(status=429, headers={"Retry-After": "3600"})]
        report = enrich(kb_copy, tmp_path / "cache.sqlite", _settings(fake, max_backoff=0.5, max_tries=3))
        assert len(fake.requests_to("efetch.fcgi")) == 2
    assert report.fetched == N_PMIDS and not report.failed
    assert (f"efetch of {N_PMIDS} PMIDs ({sorted(records)[0]}…): server asked to wait 3600 s; waited 0.5 s "
            f"(the backoff cap)") in report.messages
    assert clock.slept == pytest.approx([0.35, 0.5])  # the rate's pause before the efetch, then the cap


def test_a_trickling_server_cannot_hold_a_request(kb_copy, tmp_path, records):
    with FakeEutils(records) as fake:
        fake.faults = [Fault(trickle=2.0)] * 3  # a byte every 2 s: no read ever waits the 5 s timeout
        report = enrich(kb_copy, tmp_path / "cache.sqlite",
                        _settings(fake, batch_size=50, timeout=5.0, deadline=1.0, max_tries=2))
        tries = [len(r.ids) for r in fake.requests_to("efetch.fcgi")]
    assert tries == [50, 50, 50, 50, 38]  # batch 1 cut twice and given up; batch 2 cut once, then served
    assert report.fetched == N_PMIDS - 50
    assert set(report.failed.values()) == {f"efetch of 50 PMIDs ({sorted(records)[0]}…): gave up after 2 tries "
                                           f"at {fake.base_url}: no complete answer within 1 s "
                                           f"(the whole-request deadline)"}


def test_ecitmatch_answers_are_matched_by_their_key_not_their_order(kb_copy, tmp_path, records):
    def shuffled(lines):  # reversed, without Tanaka's line, and with a line for a key nobody sent
        return ([line for line in reversed(lines) if line.split("|")[5] != TANAKA]
                + ["some journal|2020|1|1|nobody n|nobody:asked|99000002"])

    with FakeEutils({**records, **_lindquister_record()}, {LINDQUISTER: "99000001"},
                    ecitmatch_lines=shuffled) as fake:
        result = CliRunner().invoke(cli, ["enrich", "--db", str(kb_copy), "--cache", str(tmp_path / "c.sqlite"),
                                          "--eutils-url", fake.base_url])
    assert result.exit_code == 0, result.output
    assert "  1 citations not matched: ECitMatch's answer has no line for this citation" in result.stderr
    assert "  1 ECitMatch answers not asked for, dropped: nobody:asked" in result.stderr
    statuses = dict(_rows(kb_copy, "select reference_id, status from citation_matches"))
    assert statuses[LINDQUISTER] == "accepted" and TANAKA not in statuses
    assert sorted(set(statuses.values())) == ["accepted", "not found"] and len(statuses) == 12


def test_articles_can_be_searched_after_enrichment(kb_copy, tmp_path, records):
    with FakeEutils(records) as fake:
        enrich(kb_copy, tmp_path / "cache.sqlite", _settings(fake))
    found = _rows(kb_copy, "select rowid from pubmed_articles_fts where pubmed_articles_fts match 'SOLSTICE'")
    assert _rows(kb_copy, f"select pmid from pubmed_articles where rowid = {found[0][0]}") == [(SOLSTICE,)]
    assert len(found) == 1


def test_enrichment_rewrites_the_graph_from_the_enriched_store(kb_copy, tmp_path, records):
    """kb enrich goes through the pipeline: the work nodes (and so the RDF) carry the new enrichment status."""
    from kb import pipeline
    with FakeEutils(records) as fake:
        pipeline.enrich(kb_copy, tmp_path / "cache.sqlite", _settings(fake))
    status = dict(_rows(kb_copy, "select id, enrichment from works"))
    nodes = {row_id: json.loads(attributes)["props"].get("enrichment") for row_id, attributes in
             _rows(kb_copy, "select row_id, attributes from nodes where type = 'work'")}
    assert nodes == status and list(status.values()).count("enriched") == N_PMIDS
    from kb.rdf.persist import open_store
    store = open_store(kb_copy)  # written for the enriched build, so a server uses it
    assert store is not None and bool(store.query('ASK { ?w <https://w3id.org/cryo-kb/vocab#enrichment> "enriched" }'))
