"""Trial registry status: the real ClinicalTrials.gov client against a fake API v2 on 127.0.0.1."""
from __future__ import annotations

import copy
import json
import shutil
import socket
import sqlite3

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.enrich.cache import RegistryCache
from kb.enrich.ctgov import CtgovClient, CtgovSettings
from kb.enrich.registry import fetch_registry
from kb.pipeline import build

from .conftest import DATA, absent_cache
from .fake_clock import FakeClock
from .fake_ctgov import LABEL, SEED_STUDIES, Fault, FakeCtgov, study

SEED_IDS = ["NCT02399124", "NCT04334785", "NCT04506671", "NCT05505643", "NCT05615545"]  # Premera's table


@pytest.fixture
def kb_copy(kb_path, tmp_path):
    path = tmp_path / "kb.db"
    shutil.copyfile(kb_path, path)
    return path


def _settings(fake, **overrides) -> CtgovSettings:
    return CtgovSettings(**{"base_url": fake.base_url, "timeout": 2.0, "backoff": 0.05, "max_tries": 2,
                            "per_minute": 6000, **overrides})


def _client(settings, clock=None) -> CtgovClient:
    clock = clock or FakeClock()
    return CtgovClient(settings, clock=clock.monotonic, sleep=clock.sleep)


def _rows(path, sql, params=()):
    return sqlite3.connect(path).execute(sql, params).fetchall()


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v2/"


def test_every_nct_id_is_asked_for_in_one_request_and_nothing_on_a_cached_rerun(kb_copy, tmp_path):
    cache = tmp_path / "ctgov.sqlite"
    with FakeCtgov(SEED_STUDIES) as fake:
        report = fetch_registry(kb_copy, cache, _settings(fake), client=_client(_settings(fake)))
        assert [(r.path, r.ids, r.params["pageSize"]) for r in fake.log] == [("/api/v2/studies", SEED_IDS, "5")]
        assert (report.wanted, report.fetched, report.requests, report.failed) == (5, 5, 1, {})
        again = fetch_registry(kb_copy, cache, _settings(fake), client=_client(_settings(fake)))
        assert len(fake.log) == 1 and (again.cached, again.requests) == (5, 0)
        fetch_registry(kb_copy, cache, _settings(fake), refresh=True, client=_client(_settings(fake)))
        assert len(fake.log) == 2
    assert _rows(kb_copy, "select count(*) from registry_studies") == [(5,)]


def test_a_reviewer_sees_the_status_and_the_gap_from_the_policy(kb_copy, tmp_path):
    with FakeCtgov(SEED_STUDIES) as fake:
        fetch_registry(kb_copy, tmp_path / "ctgov.sqlite", _settings(fake), client=_client(_settings(fake)))
    status = {nct: (text, gap) for nct, text, gap in _rows(
        kb_copy, "select nct_id, registry_status, planned_vs_registry from trial_registry_status "
                 "where policy_id = 'premera-7.01.92'")}
    assert status["NCT04334785"] == (
        "listed as ongoing in the policy; completed on 2025-03-31, results posted on 2025-09-10",
        "enrollment: 186 planned in the policy, 178 actual in the registry (8 fewer); "
        "completion: May 2025 in the policy, 2025-03-31 actual in the registry (2 months earlier)")
    assert status["NCT04506671"] == (
        "listed as ongoing in the policy; active not recruiting, completion expected 2026-06, no results posted",
        "enrollment: 142 planned in the policy, 139 actual in the registry (3 fewer); "
        "completion: Jun 2025 in the policy, 2026-06 estimated in the registry (12 months later)")
    assert status["NCT05505643"][1] == ("enrollment: 256 planned in the policy, 256 estimated in the registry "
                                        "(as planned); completion: Apr 2034 in the policy, 2034-04 estimated in "
                                        "the registry (the same month)")
    provenance = _rows(kb_copy, "select request, url from registry_studies where nct_id = 'NCT04334785'")
    assert provenance == [(f"{fake.base_url}studies?filter.ids={','.join(SEED_IDS)}&pageSize=5&format=json",
                           "https://clinicaltrials.gov/study/NCT04334785")]
    # the publications a record links join the works the policies cite, by PMID
    assert _rows(kb_copy, "select nct_id, pmid, type, work_id from registry_publications order by pmid") == [
        ("NCT05615545", "34840092", "BACKGROUND", "pmid:34840092"), ("NCT04334785", "99100006", "RESULT", None)]
    trial = _rows(kb_copy, "select trial_id from trial_registry_status where nct_id = 'NCT05505643'")
    assert trial == [("cool-it",)]


def test_batches_and_pages(kb_copy, tmp_path):
    with FakeCtgov(SEED_STUDIES) as fake:
        fetch_registry(kb_copy, tmp_path / "a.sqlite", _settings(fake, batch_size=2),
                       client=_client(_settings(fake, batch_size=2)))
        assert [r.ids for r in fake.log] == [SEED_IDS[:2], SEED_IDS[2:4], SEED_IDS[4:]]
    with FakeCtgov(SEED_STUDIES, page_size=2) as fake:  # the server cuts the answer into pages of 2
        report = fetch_registry(kb_copy, tmp_path / "b.sqlite", _settings(fake), client=_client(_settings(fake)))
        assert [r.params.get("pageToken") for r in fake.log] == [None, "2", "4"]
    assert report.fetched == 5 and report.requests == 3


def test_an_id_the_batch_does_not_answer_is_asked_for_alone(kb_copy, tmp_path):
    known = {nct: s for nct, s in SEED_STUDIES.items() if nct != "NCT05505643"}
    with FakeCtgov(known) as fake:
        report = fetch_registry(kb_copy, tmp_path / "c.sqlite", _settings(fake), client=_client(_settings(fake)))
        assert [r.path for r in fake.log] == ["/api/v2/studies", "/api/v2/studies/NCT05505643"]
    assert report.failed == {"NCT05505643": f"ClinicalTrials.gov has no study NCT05505643 (HTTP 404 at "
                                            f"{fake.base_url}studies/NCT05505643?format=json)"}
    assert report.fetched == 4
    assert _rows(kb_copy, "select registry_status from trial_registry_status where nct_id = 'NCT05505643'") == [
        ("listed as ongoing in the policy; not fetched from ClinicalTrials.gov",)]


def test_a_study_merged_into_another_answers_for_its_old_id(kb_copy, tmp_path):
    """TEST DATA: ICESECRET's id as an alias of a made-up newer id, as the registry records merged studies."""
    merged = {**SEED_STUDIES}
    del merged["NCT02399124"]
    merged["NCT09000001"] = study("NCT09000001", "COMPLETED", 118, "ACTUAL", completion=("2025-01-15", "ACTUAL"),
                                  aliases=["NCT02399124"])
    with FakeCtgov(merged) as fake:
        report = fetch_registry(kb_copy, tmp_path / "d.sqlite", _settings(fake), client=_client(_settings(fake)))
    assert report.fetched == 5 and not report.failed and not report.unasked
    assert _rows(kb_copy, "select nct_id, registry_nct_id, overall_status from registry_studies "
                          "where registry_nct_id = 'NCT09000001' order by 1") == [
        ("NCT02399124", "NCT09000001", "COMPLETED"), ("NCT09000001", "NCT09000001", "COMPLETED")]


def test_studies_nobody_asked_for_are_dropped_and_reported(kb_copy, tmp_path):
    stranger = study("NCT09999999", "RECRUITING", 10)
    cache = tmp_path / "e.sqlite"
    with FakeCtgov(SEED_STUDIES, unasked=[stranger]) as fake:
        report = fetch_registry(kb_copy, cache, _settings(fake), client=_client(_settings(fake)))
    assert report.unasked == ["NCT09999999"] and report.fetched == 5
    with RegistryCache(cache) as kept:
        assert sorted(kept.cached()) == SEED_IDS


def test_a_record_that_cannot_be_read_is_not_cached_and_is_asked_for_again(kb_copy, tmp_path):
    broken = copy.deepcopy(SEED_STUDIES)
    del broken["NCT04334785"]["protocolSection"]["statusModule"]["overallStatus"]
    cache = tmp_path / "f.sqlite"
    with FakeCtgov(broken) as fake:
        report = fetch_registry(kb_copy, cache, _settings(fake), client=_client(_settings(fake)))
    assert report.failed == {"NCT04334785": "ClinicalTrials.gov's record cannot be read (NCT04334785: no overall "
                                            "status (protocolSection.statusModule.overallStatus)); asked for again "
                                            "next run"}
    with FakeCtgov(SEED_STUDIES) as fake:
        again = fetch_registry(kb_copy, cache, _settings(fake), client=_client(_settings(fake)))
        assert [r.ids for r in fake.log] == [["NCT04334785"]]
    assert again.fetched == 1 and again.cached == 4


def test_each_fault_is_survived_with_nothing_lost(kb_copy, tmp_path):
    clock = FakeClock()
    with FakeCtgov(SEED_STUDIES) as fake:
        fake.faults = [Fault(status=429, headers={"Retry-After": "1"}), Fault(status=500), Fault(slow=3.0),
                       Fault(truncate=True)]
        settings = _settings(fake, timeout=1.0, max_tries=5, per_minute=50)
        report = fetch_registry(kb_copy, tmp_path / "g.sqlite", settings, client=_client(settings, clock))
        assert len(fake.log) == 5  # 429, 500, too slow (timed out), truncated JSON, then the whole batch
    assert report.fetched == 5 and not report.failed
    # the 429's Retry-After of 1 s, then backoff from 0.05 s, doubling; each try after a pause shorter than the
    # rate's interval (1.26 s at 50 a minute) waits what is left of it
    assert clock.slept == pytest.approx([1.0, 0.26, 0.1, 1.16, 0.2, 1.06, 0.4, 0.86])
    assert _rows(kb_copy, "select count(*) from registry_studies") == [(5,)]


def test_fifty_requests_a_minute_at_most(kb_copy, tmp_path):
    clock = FakeClock()
    with FakeCtgov(SEED_STUDIES) as fake:
        settings = _settings(fake, batch_size=2, per_minute=50)
        fetch_registry(kb_copy, tmp_path / "h.sqlite", settings, client=_client(settings, clock))
        assert len(fake.log) == 3
    assert clock.slept == pytest.approx([1.26, 1.26])  # 60 s / 50, and 5% to spare, between the starts


def test_a_trickling_server_cannot_hold_a_request(kb_copy, tmp_path):
    with FakeCtgov(SEED_STUDIES) as fake:
        fake.faults = [Fault(trickle=2.0)] * 2
        settings = _settings(fake, timeout=5.0, deadline=1.0, max_tries=2)
        report = fetch_registry(kb_copy, tmp_path / "i.sqlite", settings, client=_client(settings))
    assert set(report.failed) == set(SEED_IDS)
    assert set(report.failed.values()) == {f"studies of 5 NCT ids (NCT02399124…): gave up after 2 tries at "
                                           f"{fake.base_url}: no complete answer within 1 s (the whole-request "
                                           f"deadline)"}


def test_offline_the_command_says_what_was_not_fetched_and_keeps_the_knowledge_base(kb_copy, tmp_path):
    with FakeCtgov(SEED_STUDIES) as fake:
        fetch_registry(kb_copy, tmp_path / "full.sqlite", _settings(fake), client=_client(_settings(fake)))
    before = _rows(kb_copy, "select * from registry_studies order by nct_id")
    args = ["registry", "--db", str(kb_copy), "--cache", str(tmp_path / "empty.sqlite"), "--ctgov-url",
            _closed_port_url()]
    result = CliRunner(env={"KB_CTGOV_MAX_TRIES": "2", "KB_CTGOV_BACKOFF": "0.01"}).invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("5 NCT ids wanted: 0 already cached, 0 fetched, 5 not fetched; 0 imported; "
                                    "2 requests to ")
    assert ("  5 not fetched (NCT02399124, NCT04334785, NCT04506671, NCT05505643, NCT05615545): studies of 5 NCT "
            "ids (NCT02399124…): gave up after 2 tries at ") in result.stderr
    assert "Connection refused" in result.stderr and "Traceback" not in result.output
    assert (f"kept from the knowledge base: 5 ClinicalTrials.gov studies that {tmp_path / 'empty.sqlite'} does not "
            f"hold") in result.stderr
    assert _rows(kb_copy, "select * from registry_studies order by nct_id") == before
    strict = CliRunner(env={"KB_CTGOV_MAX_TRIES": "1"}).invoke(cli, args + ["--require-network"])
    assert strict.exit_code == 1 and strict.stderr.endswith(
        "Error: --require-network: 5 NCT ids could not be fetched\n")


def test_import_a_saved_json_record(kb_copy, tmp_path):
    """TEST DATA: a study record written for the tests, saved as ClinicalTrials.gov's API returns it."""
    saved = tmp_path / "NCT04334785.json"
    saved.write_text(json.dumps(SEED_STUDIES["NCT04334785"], indent=2), encoding="utf-8")
    cache = tmp_path / "ctgov.sqlite"
    result = CliRunner(env={"KB_CTGOV_MAX_TRIES": "1"}).invoke(cli, [
        "registry", "--db", str(kb_copy), "--cache", str(cache), "--ctgov-url", _closed_port_url(),
        "--import", str(saved)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("5 NCT ids wanted: 1 already cached, 0 fetched, 4 not fetched; 1 imported; ")
    assert _rows(kb_copy, "select nct_id, overall_status, enrollment, has_results, request from registry_studies") \
        == [("NCT04334785", "COMPLETED", 178, 1, "import:NCT04334785.json")]
    with RegistryCache(cache) as kept:
        assert LABEL in kept.cached()["NCT04334785"]  # the record is kept whole, its test label too


@pytest.mark.parametrize("content, message", [
    ('{"protocolSection": {"identificationModule": {}}}',
     "a study without an NCT id (protocolSection.identificationModule.nctId is None)"),
    ('{"studies": []}', "no studies in it"),
    ('{"protocolSection": ', "JSON does not parse (Expecting value: line 1 column 21 (char 20)); it may be cut short"),
])
def test_an_import_that_is_not_a_study_record_is_refused(kb_copy, tmp_path, content, message):
    saved = tmp_path / "saved.json"
    saved.write_text(content, encoding="utf-8")
    cache = tmp_path / "ctgov.sqlite"
    result = CliRunner().invoke(cli, ["registry", "--db", str(kb_copy), "--cache", str(cache), "--import", str(saved)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {saved}: {message}\n"
    with RegistryCache(cache) as kept:
        assert kept.cached() == {}


def test_build_loads_whatever_the_registry_cache_holds(kb_copy, tmp_path):
    cache = tmp_path / "ctgov.sqlite"
    with FakeCtgov(SEED_STUDIES) as fake:
        fetch_registry(kb_copy, cache, _settings(fake), client=_client(_settings(fake)))
    rebuilt = tmp_path / "rebuilt.db"
    build(rebuilt, DATA, cache_path=absent_cache(tmp_path), registry_cache=cache)
    assert _rows(rebuilt, "select count(*), sum(overall_status = 'COMPLETED') from registry_studies") == [(5, 2)]
    assert _rows(rebuilt, "select trials_completed, trials_listed from since_review "
                          "where policy_id = 'premera-7.01.92'") == [(2, 5)]


def test_a_knowledge_base_of_an_older_version_is_refused_in_one_line(kb_copy, tmp_path):
    conn = sqlite3.connect(kb_copy)
    conn.execute("drop view trial_registry_status")
    conn.commit()
    conn.close()
    for command in (["registry"], ["new-evidence"]):
        result = CliRunner().invoke(cli, [*command, "--db", str(kb_copy), "--cache", str(tmp_path / "c.sqlite")])
        assert result.exit_code == 1 and result.stderr.startswith(f"Error: {kb_copy}: not a knowledge base of this "
                                                                  f"version (no trial_registry_status")
