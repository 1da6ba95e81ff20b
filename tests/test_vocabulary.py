"""The genre's words are reviewed data (data/curation/*.yml): typed, checked, and what the parser reads by."""
from __future__ import annotations

import shutil

import pytest

from kb.curation import CurationError, load_genre
from kb.ingest.vocabulary import Vocabulary

from .conftest import DATA


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary(load_genre(DATA / "curation"))


def test_every_file_loads_with_unique_ids():
    genre = load_genre(DATA / "curation")
    for entries in (genre.sections, genre.positions, genre.sites, genre.guideline_kinds, genre.guideline_series,
                    genre.terms):
        ids = [e.id for e in entries]
        assert ids and len(set(ids)) == len(ids)


@pytest.mark.parametrize("heading, kind", [
    ("References", "references"), ("8. References", "references"), ("1.4 Policy", "policy"),
    ("I. Medical Necessity:", "policy"), ("Policy History", "history"), ("CPT Codes / HCPCS Codes", "codes"),
    ("Description", "narrative"), ("Clinical Indications", "policy"), ("Position Statement", "policy"),
    ("When Services May Be Eligible for Coverage", "policy"), ("Clinical UM Guideline", None),
    ("Practice Guidelines and Position Statements", "guidelines"), ("Disclaimer", None),
])
def test_section_kinds_by_heading(vocab, heading, kind):
    assert vocab.section_kind(heading) == kind


def test_statuses_and_polarity(vocab):
    assert vocab.status_of("is considered experimental / investigational") == (
        "experimental / investigational", "experimental/investigational")
    assert vocab.status_of("is not medically necessary") == ("not medically necessary", "not medically necessary")
    assert vocab.polarity("medically necessary") == "covered"
    assert vocab.polarity("investigational") == "not covered"


def test_sites_and_series(vocab):
    assert vocab.sites_of("Soft tissue sarcomas of the renal bed") == {"soft tissue", "kidney"}
    assert vocab.series_topic("NCCN Clinical Practice Guidelines in Oncology: Kidney Cancer. Version 3.2025") == \
        "Kidney Cancer"


def test_a_bad_entry_is_named_by_file_and_line(tmp_path):
    folder = tmp_path / "curation"
    shutil.copytree(DATA / "curation", folder)
    path = folder / "positions.yml"
    path.write_text(path.read_text() + "- id: odd\n  status: odd\n  polarity: sideways\n  patterns: [odd]\n")
    line = path.read_text().count("\n") - 3
    with pytest.raises(CurationError, match=rf"positions.yml:{line}: polarity 'sideways' of 'odd'"):
        load_genre(folder)


def test_the_parser_needs_its_terms(tmp_path):
    genre = load_genre(DATA / "curation")
    reduced = type(genre)(genre.sections, genre.positions, genre.sites, genre.guideline_kinds,
                          genre.guideline_series, [t for t in genre.terms if t.id != "criteria-lead"])
    with pytest.raises(CurationError, match="criteria-lead"):
        Vocabulary(reduced)


@pytest.mark.parametrize("text, found", [
    ("It is considered MEDICALLY NECESSARY when", [("MEDICALLY NECESSARY", "medically necessary")]),
    ("The procedure is unproven and not medically necessary; it is covered by no plan",
     [("unproven and not medically necessary", "not medically necessary")]),
    ("Nothing here names a position.", []),
    # Case-blind matching as the regex engine does it, also for letters whose other case is not ASCII: the
    # quick looks the parser takes before the full patterns (first letters, required words) must not lose them.
    ("For naïve patients – ≥ 2 cm – it is considered INVESTIGATIONAL.", [("INVESTIGATIONAL", "investigational")]),
    ("Naïve patients – ≥ 2 cm – are named here.", []),
    ("Cryoablation is considered inveſtigational.", [("inveſtigational", "investigational")]),
    ("Cryoablation is considered İnvestigational.", [("İnvestigational", "investigational")]),
    ("It is considered ſpecial arrangements", [("ſpecial arrangements", "special arrangements")]),
])
def test_positions_found_in_any_case(vocab, text, found):
    assert [(match.group(0), status) for match, status in vocab.statuses_in(text)] == found


def test_the_ascii_twins_are_every_character_case_blind_matching_takes_for_ascii():
    """The quick look for a pattern's words lower-cases text and trusts it, except where the text holds one of
    these: worked out again over every code point, so a Python whose Unicode tables change cannot go unnoticed."""
    import re
    import sys

    from kb.ingest.vocabulary import _ASCII_TWINS

    letters = re.compile("[" + re.escape("".join(map(chr, range(128)))) + "]", re.IGNORECASE)
    twins = {chr(c) for c in range(128, sys.maxunicode + 1) if letters.fullmatch(chr(c))}
    assert twins == set(_ASCII_TWINS)
