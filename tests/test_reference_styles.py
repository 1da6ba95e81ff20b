"""References in every common style (tests/fixtures/references/styles.txt): the same fields from each, the
publication year never an access date, and one paper cited in several styles one work."""
from __future__ import annotations

import pytest

from kb.ingest import parse_document
from kb.resolve.works import resolve_works

from .conftest import FIXTURES

TITLE = "Cryoablation versus partial nephrectomy for small renal masses: a randomized trial"


@pytest.fixture(scope="module")
def refs(bodies):
    return parse_document(FIXTURES / "references" / "styles.txt", "styles.txt", bodies).references


def test_each_style_gives_its_fields(refs):
    nlm, ama, apa, nice, page, society = refs
    assert [(r.first_author, r.year, r.title, r.journal, r.volume, r.issue, r.pages, r.pmid, r.doi) for r in refs[:4]] \
        == [("Doe", 2020, TITLE, "J Test Urol", "14", "2", "101-9", "10000010", "10.9999/jtu.2020.0101"),
            ("Doe", 2020, TITLE, "J Test Urol", "14", "2", "101-109", None, "10.9999/jtu.2020.0101"),
            ("Doe", 2020, TITLE.replace(": a", ": A"), "Journal of Test Urology", "14", "2", "101-109", None,
             "10.9999/jtu.2020.0101"),
            ("Doe", 2020, TITLE, "J Test Urol", "14", None, "101-9", None, None)]
    assert (nlm.month, apa.authors) == ("Feb", "Doe, J., & Roe, R")
    assert [r.number for r in refs] == [None] * 6  # one paragraph an entry, under a SOURCES heading


def test_an_access_date_is_never_the_publication_year(refs):
    page, society = refs[4], refs[5]
    assert (page.first_author, page.year, page.accessed, page.url) == (
        "American Test Society", None, "2024-11-22", "https://www.example.org/cryo-facts")
    assert (society.year, society.accessed) == (2019, "2025-03-03")


def test_the_same_paper_in_four_styles_is_one_work(refs):
    rows = [{"id": f"p{i}:reference:1", "policy_id": f"p{i}", "position": 1, "pmid": r.pmid, "title": r.title,
             "first_author": r.first_author, "year": r.year, "journal": r.journal, "volume": r.volume,
             "issue": r.issue, "pages": r.pages, "doi": r.doi} for i, r in enumerate(refs[:4])]
    works = resolve_works(rows, {})
    assert [w["id"] for w in works] == ["pmid:10000010"]
    assert [(r["match_method"], r["work_id"]) for r in rows] == [("pmid", "pmid:10000010")] + [
        ("fuzzy", "pmid:10000010")] * 3
