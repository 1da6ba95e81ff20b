"""Citation lookups: find any work, cite it in each style and format, show where policies cite it.

The expected citations are the policies' own citation data (authors, title, journal, year,
volume, issue, pages) as the CSL styles, BibTeX, RIS and CSL-JSON write them.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.cli import cli
from kb.cite import lookup

from .conftest import ROOT

SOLSTICE = "Multicenter Study of Metastatic Lung Tumors Targeted by Interventional Cryoablation Evaluation (SOLSTICE)"
WANG = ("Multicenter randomized controlled trial of percutaneous cryoablation versus radiofrequency ablation in "
        "hepatocellular carcinoma")


@pytest.fixture(scope="module")
def conn(kb_path):
    return sqlite3.connect(kb_path)


def _cite(conn, query, style="ama", fmt="text"):
    return [r["citation"] for r in lookup(conn, query, style, fmt).results]


@pytest.mark.parametrize("style, expected", [
    ("ama", f"Callstrom MR, Woodrum DA, Nichols FC, et al. {SOLSTICE}. J Thorac Oncol. 2020;15(7):1200-1209."),
    ("vancouver", f"Callstrom MR, Woodrum DA, Nichols FC, et al. {SOLSTICE}. J Thorac Oncol. 2020 Jul;15(7):1200–9. "
                  "PubMed PMID: 32151777."),
    ("apa", f"Callstrom, M. R., Woodrum, D. A., Nichols, F. C., et al. (2020). {SOLSTICE}. J Thorac Oncol, 15(7), "
            "1200–1209."),
])
def test_solstice_in_each_style(conn, style, expected):
    """The policies write "Callstrom MR, Woodrum DA, Nichols FC, et al.": a cut list is never shown as complete."""
    assert _cite(conn, "32151777", style) == [expected]


@pytest.mark.parametrize("style, expected", [
    ("ama", f"Wang C, Wang H, Yang W, et al. {WANG}. Hepatology. 2015;61(5):1579-90."),
    ("vancouver", f"Wang C, Wang H, Yang W, et al. {WANG}. Hepatology. 2015 May;61(5):1579–90. "
                  "PubMed PMID: 25284802."),
    ("apa", f"Wang, C., Wang, H., Yang, W., et al. (2015). {WANG}. Hepatology, 61(5), 1579–90."),
])
def test_wang_2015_in_each_style(conn, style, expected):
    assert _cite(conn, "Wang 2015", style) == [expected]


def test_a_work_without_pmid_and_a_guideline(conn):
    assert _cite(conn, "Suzuki 1995") == [
        "Suzuki Y. Cryosurgical treatment of advanced breast cancer and cryoimmunological responses. Skin Cancer. "
        "1995;10:19-26."]
    assert _cite(conn, "NCCN kidney cancer 2025", "apa")[1] == (
        "National Comprehensive Cancer Network (NCCN). (2025). NCCN Clinical Practice Guidelines in Oncology: Kidney "
        "Cancer (Version 3.2025). http://www.nccn.org/professionals/physician_gls/pdf/kidney.pdf")


def test_solstice_as_bibtex_ris_and_csl_json(conn):
    assert _cite(conn, "SOLSTICE", fmt="bibtex") == [
        "@article{Callstrom2020_32151777,\n author = {Callstrom, M. R. and Woodrum, D. A. and Nichols, F. C. and "
        "others},\n"
        " journal = {J Thorac Oncol},\n number = {7},\n pages = {1200--1209},\n pmid = {32151777},\n"
        f" title = {{{SOLSTICE}}},\n volume = {{15}},\n year = {{2020}}\n}}"]
    assert _cite(conn, "SOLSTICE", fmt="ris") == [
        "TY  - JOUR\nAU  - Callstrom, M. R.\nAU  - Woodrum, D. A.\nAU  - Nichols, F. C.\n"
        f"TI  - {SOLSTICE}\nJO  - J Thorac Oncol\nVL  - 15\nIS  - 7\nSP  - 1200\nEP  - 1209\nAN  - 32151777\n"
        "N1  - author list cut with et al. in the source; the full list comes with PubMed enrichment\nPY  - 2020\n"
        "ER  -"]
    item = json.loads(_cite(conn, "SOLSTICE", fmt="csljson")[0])
    assert item == {"id": "pmid:32151777", "type": "article-journal",
                    "author": [{"family": "Callstrom", "given": "M. R."}, {"family": "Woodrum", "given": "D. A."},
                               {"family": "Nichols", "given": "F. C."}],
                    "title": SOLSTICE, "container-title": "J Thorac Oncol", "volume": "15", "issue": "7",
                    "page": "1200-1209", "PMID": "32151777", "issued": {"date-parts": [[2020, 7]]},
                    "note": "author list cut with et al. in the source; the full list comes with PubMed enrichment"}


def test_each_result_lists_every_place_citing_it(conn):
    result = lookup(conn, "SOLSTICE").results[0]
    assert result["trials"] == ["solstice"] and result["authors_truncated"]
    assert [(p["policy_id"], p["reference_number"], p["citation_line"]) for p in result["cited_by"]] == [
        ("bcbsma-260", 20, None), ("premera-7.01.92", 15, None), ("unnamed-solid-tumors-outside-liver", 69, 125)]
    assert [(s["policy_id"], s["indication"], s["status"]) for s in result["statements"]] == [
        ("unnamed-solid-tumors-outside-liver", "Lung cancer", "medically necessary")]


def test_kaufman_2004_is_ambiguous_and_lists_every_work(conn):
    result = lookup(conn, "Kaufman 2004")
    assert result.matched_as == "author and year"
    assert [r["work_id"] for r in result.results] == ["pmid:15194073", "pmid:15474424"]


@pytest.mark.parametrize("query, matched_as, found", [
    ("SOLSTICE", "trial", ["pmid:32151777"]),
    ("eclipse", "trial", ["pmid:26230972", "pmid:34384914"]),
    ("Wang 2015 RCT", "trial", ["pmid:25284802"]),
    ("NCT05505643", "NCT id", ["cool-it"]),
    ("PMID: 25284802", "PMID", ["pmid:25284802"]),
    ("Klatte 2014", "author and year", ["pmid:24231845"]),  # the policies spell him Klätte, Klatte and Klatter
    ("office-based cryoablation fibroadenoma", "text", ["pmid:15194073", "pmid:16174156", "pmid:12433600"]),
])
def test_lookup_forms(conn, query, matched_as, found):
    result = lookup(conn, query)
    assert result.matched_as == matched_as
    assert sorted(r.get("work_id") or r.get("trial_id") for r in result.results) == sorted(found)


def test_not_found_gives_close_suggestions(conn):
    result = lookup(conn, "Calstrom 2021")
    assert not result.found
    assert [s["id"] for s in result.suggestions][:2] == ["pmid:32151777", "pmid:23065947"]


def test_cli_single_and_batch_with_bad_lines(kb_path, tmp_path):
    runner = CliRunner()
    single = runner.invoke(cli, ["cite", "Callstrom 2020", "--db", str(kb_path), "--style", "vancouver"])
    assert single.exit_code == 0
    assert "cited by unnamed-solid-tumors-outside-liver #69 (line 251); <sup>[69]</sup> in Nonrandomized Studies, " \
           "line 125" in single.stdout
    missing = runner.invoke(cli, ["cite", "Calstrom 2021", "--db", str(kb_path)])
    assert missing.exit_code == 1 and "did you mean:" in missing.stdout
    queries = tmp_path / "queries.txt"
    queries.write_text("SOLSTICE\n\n# a comment\nCalstrom 2021\nzzqx wvvk\nPMID 25284802\n", encoding="utf-8")
    batch = runner.invoke(cli, ["cite", "--file", str(queries), "--db", str(kb_path), "--format", "ris"])
    assert batch.exit_code == 0
    assert batch.stdout.count("TY  - JOUR") == 2 and "# line" not in batch.stdout
    assert "# line 4: Calstrom 2021" in batch.stderr and "nothing close" in batch.stderr
    assert "# 4 queries: 2 found, 2 not found" in batch.stderr


@pytest.fixture(scope="module")
def datasette(kb_path):
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    return Datasette([str(kb_path)], metadata=metadata)


def _get(datasette, path):
    return asyncio.run(datasette.client.get(path))


def test_cite_page(datasette):
    page = _get(datasette, "/-/cite?q=SOLSTICE&style=apa")
    assert page.status_code == 200
    assert f"Callstrom, M. R., Woodrum, D. A., Nichols, F. C., et al. (2020). {SOLSTICE}." in page.text
    assert 'href="/kb/works/pmid~3A32151777"' in page.text and 'href="/kb/trials/solstice"' in page.text
    assert "/kb/lines?policy_id=unnamed-solid-tumors-outside-liver&amp;n__gte=125&amp;n__lte=125" in page.text
    missing = _get(datasette, "/-/cite?q=Calstrom+2021")
    assert missing.status_code == 404 and "Did you mean" in missing.text and "Callstrom 2020" in missing.text
    assert _get(datasette, "/-/cite?q=x&style=harvard").status_code == 400


def test_cite_json(datasette):
    body = _get(datasette, "/-/cite.json?q=Kaufman+2004&format=bibtex").json()
    assert body["matched_as"] == "author and year"
    assert [r["work_id"] for r in body["results"]] == ["pmid:15194073", "pmid:15474424"]
    assert body["results"][0]["citation"].startswith("@article{Kaufman2004_15194073,")
