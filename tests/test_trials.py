"""Curated trials: every value matches the policy text on the line it cites."""
from __future__ import annotations

import re

import pytest

from kb.curation import load_curation, load_manifest

from .conftest import DATA

TRIALS = load_curation(DATA / "curation").trials
MANIFEST = {e.id: e for e in load_manifest(DATA)}
WORDS = {1: "one", 2: "two", 3: "three"}


def _line(policy: str, line: int) -> str:
    return (DATA / MANIFEST[policy].file).read_text(encoding="utf-8").split("\n")[line - 1]


def _number(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _has(quote: str, number: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", quote) is not None


@pytest.mark.parametrize("trial", TRIALS, ids=[t.id for t in TRIALS])
def test_every_quote_stands_on_its_line(trial):
    for item in trial.sources + trial.results:
        assert item.quote in _line(item.policy, item.line), (trial.id, item.line)


@pytest.mark.parametrize("trial", TRIALS, ids=[t.id for t in TRIALS])
def test_every_number_is_in_its_quote(trial):
    sources = " ".join(s.quote for s in trial.sources)
    for field in ("patients", "lesions", "planned_enrollment"):
        if getattr(trial, field) is not None:
            assert _has(sources, str(getattr(trial, field))), (trial.id, field)
    if trial.registry_id:
        assert any(trial.registry_id in _line(s.policy, s.line) for s in trial.sources)
    for result in trial.results:
        quote = result.quote
        if result.value is not None:
            assert _has(quote, _number(result.value)), (trial.id, result)
        if result.n_total:
            assert f"{result.n}/{result.n_total}" in quote
        elif result.n:
            assert _has(quote, str(result.n)) or WORDS[result.n] in quote.lower()
        if result.p_value:
            assert result.p_value in re.sub(r"[\s$]", "", quote)
        if result.ci:
            assert result.ci in quote
        assert result.value is not None or result.finding


def test_trials_in_the_knowledge_base(kb):
    rows = kb.execute("""select t.name, group_concat(p.work_id, ' ') from trials t
                         join trial_publications p on p.trial_id = t.id
                         where t.id in ('solstice', 'eclipse', 'wang-2015') group by t.id order by t.id""").fetchall()
    assert rows == [("ECLIPSE", "pmid:26230972 pmid:34384914"), ("SOLSTICE", "pmid:32151777"),
                    ("Wang 2015 RCT", "pmid:25284802")]
    assert kb.execute("select count(*) from trial_results where char_start is null").fetchone()[0] == 0
    wang = kb.execute("""select arm, value, p_value from trial_results where trial_id = 'wang-2015'
                         and outcome = 'overall survival' and time_point = '5 years' order by arm""").fetchall()
    assert wang == [("RFA", 38.0, "p=.747"), ("cryoablation", 40.0, "p=.747")]
    quoted = kb.execute("""select r.quote, substr(p.text, r.char_start + 1, r.char_end - r.char_start)
                           from trial_results r join policies p on p.id = r.policy_id""").fetchall()
    assert all(a == b for a, b in quoted)
    registered = kb.execute("""select t.id from trials t join registered_trials r on r.nct_id = t.registry_id
                               order by t.id""").fetchall()
    assert [r[0] for r in registered] == ["cool-it", "icesecret", "nct04334785", "nct04506671", "nct05615545"]


def test_every_publication_is_a_work(kb):
    assert kb.execute("""select work_id from trial_publications
                         where work_id not in (select id from works)""").fetchall() == []
