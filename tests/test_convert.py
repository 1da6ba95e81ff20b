"""`kb add`: policies published as PDF, HTML and Word read as their text seeds read, and bad files refused.

Each seed in data/policies/ is published by tests/publish.py (a PDF with running header, footer,
"Page N of M", hyphenated line ends, superscripts, a table across a page break and two-column
references; a web page with site chrome; a Word file with its own list numbering), brought back
with `kb add`, and built. The knowledge base must hold the same statements, references, PMIDs
and citations as the one built from the seeds.
"""
from __future__ import annotations

import asyncio
import html
import shutil
from pathlib import Path

import pdfplumber
import pytest
import sqlite_utils
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.cli import cli
from kb.pipeline import build
from kb.store.parse_cache import ParseCache

from .conftest import DATA, ROOT
from .publish import FONT_DIR, read_seed, to_docx, to_html, to_pdf

SEEDS = {entry["id"]: DATA / entry["file"] for entry in yaml.safe_load((DATA / "policies.yml").read_text())}
WRITERS = {"html": lambda blocks, title, path: path.write_text(to_html(blocks, title), encoding="utf-8"),
           "pdf": to_pdf, "docx": to_docx}
needs_font = pytest.mark.skipif(not (FONT_DIR / "DejaVuSans.ttf").exists(),
                                reason="the PDF writer needs the DejaVu fonts (Debian's fonts-dejavu-core)")


def _empty_data(folder: Path) -> Path:
    """A data folder with the curated vocabularies and no policy yet."""
    data = folder / "data"
    (data / "policies").mkdir(parents=True)
    shutil.copytree(DATA / "curation", data / "curation")
    return data


def _add(*args: str):
    return CliRunner().invoke(cli, ["add", *args], catch_exceptions=False)


@pytest.fixture(scope="module", params=["html", pytest.param("pdf", marks=needs_font), "docx"])
def published(request, tmp_path_factory):
    """(format, folder of the originals, data folder they were added to, the built knowledge base)."""
    fmt = request.param
    folder = tmp_path_factory.mktemp(fmt)
    data = _empty_data(folder)
    for pid, seed in SEEDS.items():
        original = folder / f"{pid}.{fmt}"
        WRITERS[fmt](read_seed(seed.read_text(encoding="utf-8")), f"Medical policy {pid}", original)
        result = _add(str(original), "--data", str(data), "--id", pid)
        assert result.exit_code == 0, result.output
    report = build(folder / "kb.db", data)
    assert sorted(report.loaded) == sorted(SEEDS)
    return fmt, folder, data, sqlite_utils.Database(folder / "kb.db")


def _facts(db: sqlite_utils.Database, pid: str) -> dict:
    rows = lambda sql: [tuple(r) for r in db.execute(sql, [pid]).fetchall()]  # noqa: E731
    return {
        "statements": sorted(rows("select status, indication, text from statements where policy_id = ?")),
        "references": sorted(rows("select number, pmid from policy_references where policy_id = ?"),
                             key=str),
        "pmids": sorted(r[0] for r in rows("select distinct pmid from policy_references where policy_id = ? "
                                            "and pmid is not null")),
        "citations": sorted(rows("select numbers from citations where policy_id = ?")),
        "criteria": len(rows("select id from criteria where policy_id = ?")),
    }


@pytest.mark.parametrize("pid", sorted(SEEDS))
def test_published_policy_reads_as_its_seed(published, kb, pid):
    fmt, _, _, db = published
    seed, added = _facts(kb, pid), _facts(db, pid)
    assert len(added["statements"]) == len(seed["statements"]) and added["statements"] == seed["statements"]
    assert len(added["references"]) == len(seed["references"]) and added["references"] == seed["references"]
    assert added["pmids"] == seed["pmids"]
    assert added["citations"] == seed["citations"]
    assert added["criteria"] == seed["criteria"]


def test_counts_over_all_seeds(published, kb):
    """The totals the closing note of issue 13 quotes, per format."""
    _, _, _, db = published
    for table in ("statements", "policy_references", "citations"):
        assert db[table].count == kb[table].count, table
    pmids = "select count(distinct pmid) from policy_references where pmid is not null"
    assert db.execute(pmids).fetchone() == kb.execute(pmids).fetchone()


def test_every_line_names_its_place_in_the_original(published):
    """A statement's line leads to the page (PDF), element (HTML) or paragraph (Word) it came from."""
    fmt, folder, _, db = published
    rows = db.execute("select s.policy_id, s.text, l.origin from statements s join lines l "
                      "on l.policy_id = s.policy_id and l.n = s.line_start").fetchall()
    assert rows and all(origin for _, _, origin in rows)
    for pid, text, origin in rows:
        words = " ".join(text.split()[:3])
        original = folder / f"{pid}.{fmt}"
        if fmt == "pdf":
            first = int(origin.split()[1].split("-")[0])
            with pdfplumber.open(original) as pdf:
                assert words in " ".join(pdf.pages[first - 1].extract_text().split()), (pid, origin)
        elif fmt == "html":
            line = int(origin.rsplit("(line ", 1)[1].rstrip(")"))
            assert origin.startswith("/html/body/main/article/")
            assert text.split()[0] in original.read_text().split("\n")[line - 1], (pid, origin)
        else:
            assert origin.startswith(("paragraph ", "table ")), origin



def test_policy_page_shows_each_line_place_in_the_original(published):
    """The reviewer reading a statement's line on the policy page sees where it stands in the original."""
    fmt, folder, _, db = published
    pid, line, origin = db.execute("select s.policy_id, s.line_start, l.origin from statements s join lines l "
                                   "on l.policy_id = s.policy_id and l.n = s.line_start order by s.id").fetchone()
    datasette = Datasette([str(folder / "kb.db")], metadata=yaml.safe_load((ROOT / "metadata.yml").read_text()))
    page = asyncio.run(datasette.client.get(f"/-/policy/{pid}"))
    assert page.status_code == 200
    row = page.text.split(f'<li id="L{line}"', 1)[1].split("</li>", 1)[0]
    assert f'<span class="origin" title="where this line stands in the original">{html.escape(origin)}</span>' in row
    assert f"converted from <code>originals/{pid}.{fmt}</code>" in page.text
    rows = asyncio.run(datasette.client.get(f"/kb/source_lines.json?policy_id={pid}&first={line}&last={line}"
                                            "&_shape=array")).json()
    assert rows[0]["origin"] == origin

@needs_font
def test_pdf_page_furniture_is_gone_and_words_are_whole(published):
    fmt, _, data, _ = published
    if fmt != "pdf":
        pytest.skip("PDF only")
    for pid, seed in SEEDS.items():
        text = (data / "policies" / f"{pid}.txt").read_text()
        assert "Page 1 of" not in text and f"Medical Policy: Medical policy {pid}" not in text
        seed_text = seed.read_text()
        joined = {w for w in text.split() if "-" in w.strip("-.,;:()[]*") and w[0].isalpha()}
        broken = {w for w in joined if w.strip(".,;:()*") not in seed_text}
        assert not broken, (pid, sorted(broken)[:5])


@needs_font
def test_two_column_references_are_read_in_order(published):
    fmt, _, data, _ = published
    if fmt != "pdf":
        pytest.skip("PDF only")
    lines = (data / "policies" / "bcbsma-260.txt").read_text().split("\n")
    start = next(n for n, line in enumerate(lines) if line.lstrip("#").strip() == "References")
    numbers = [int(line.split(".")[0]) for line in lines[start:] if line[:1].isdigit() and ". " in line[:5]]
    assert numbers == list(range(1, 62))


def test_manifest_entry_and_original(published):
    fmt, folder, data, _ = published
    entries = {e["id"]: e for e in yaml.safe_load((data / "policies.yml").read_text())}
    premera = entries["premera-7.01.92"]
    assert premera["original"] == f"originals/premera-7.01.92.{fmt}"
    assert (data / premera["original"]).read_bytes() == (folder / f"premera-7.01.92.{fmt}").read_bytes()
    assert premera["issuer"]["name"] == "Premera"
    line = (data / premera["file"]).read_text().split("\n")[premera["issuer"]["line"] - 1]
    assert premera["issuer"]["evidence"] in line and "©2025 Premera" in premera["issuer"]["evidence"]
    unnamed = entries["unnamed-solid-tumors-outside-liver"]["issuer"]
    assert unnamed["name"] is None and unnamed["note"].startswith("not named")


def test_add_never_overwrites_without_replace(tmp_path):
    data = _empty_data(tmp_path)
    seed = SEEDS["medmutual-200802"]
    assert _add(str(seed), "--data", str(data), "--id", "mm").exit_code == 0
    manifest = (data / "policies.yml").read_bytes()
    result = _add(str(seed), "--data", str(data), "--id", "mm")
    assert result.exit_code == 1
    assert "'mm' is already in the data" in result.output and "--replace" in result.output
    assert (data / "policies.yml").read_bytes() == manifest
    result = _add(str(SEEDS["bcbsma-260"]), "--data", str(data), "--id", "mm", "--replace",
                  "--issuer", "Blue Cross Blue Shield of Massachusetts")
    assert result.exit_code == 0, result.output
    entries = yaml.safe_load((data / "policies.yml").read_text())
    assert [e["id"] for e in entries] == ["mm"]
    assert entries[0]["original_name"] == SEEDS["bcbsma-260"].name
    assert entries[0]["issuer"]["name"] == "Blue Cross Blue Shield of Massachusetts"
    assert (data / "policies" / "mm.txt").read_bytes() == SEEDS["bcbsma-260"].read_bytes()


def test_an_issuer_the_document_never_names_is_not_recorded(tmp_path):
    data = _empty_data(tmp_path)
    result = _add(str(SEEDS["medmutual-200802"]), "--data", str(data), "--issuer", "Medical Mutual of Ohio")
    assert result.exit_code == 0
    assert "--issuer 'Medical Mutual of Ohio' does not appear in the document" in result.output
    issuer = yaml.safe_load((data / "policies.yml").read_text())[0]["issuer"]
    assert issuer["name"] is None and "never names it" in issuer["note"]


def _bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    from fpdf import FPDF
    from PIL import Image

    files = {}
    encrypted = FPDF()
    encrypted.add_page()
    encrypted.set_font("Helvetica", size=12)
    encrypted.cell(0, 10, "Cryoablation policy")
    encrypted.set_encryption(owner_password="owner", user_password="secret")
    encrypted.output(str(folder / "locked.pdf"))
    files["encrypted"] = (folder / "locked.pdf", "encrypted: the PDF needs a password")
    Image.new("RGB", (200, 100), "white").save(folder / "scan.png")
    scan = FPDF()
    for _ in range(2):
        scan.add_page()
        scan.image(str(folder / "scan.png"), x=10, y=10, w=100)
    scan.output(str(folder / "scan.pdf"))
    files["scan"] = (folder / "scan.pdf", "no text layer: its 2 page(s) are images (a scan?); OCR is not attempted")
    (folder / "login.html").write_text("<html><head><title>Provider portal</title></head><body><form>"
                                       "<input name=user><input type=password name=pw></form></body></html>")
    files["login"] = (folder / "login.html", "a login page (it asks for a password), not a policy")
    (folder / "missing.html").write_text("<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"
                                         "<p>The requested URL was not found on this server.</p></body></html>")
    files["error"] = (folder / "missing.html", "an error page ('404 Not Found Not Found'), not a policy")
    (folder / "minutes.txt").write_text("# Committee minutes\n\nThe committee met on Tuesday.\n\n"
                                        "## History\n\nDate\tAction\n01/2020\tMinutes approved.\n")
    files["not a policy"] = (folder / "minutes.txt", "not a policy: it has no coverage statement and no "
                                                     "reference list")
    (folder / "notes.txt").write_text("# Notes\n\nSome notes on cryoablation, with no ending.\n")
    files["cut short"] = (folder / "notes.txt", "not read as a policy: line 3 of the text: truncated")
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    files["binary"] = (folder / "photo.txt", "not UTF-8 text")
    return files


@needs_font
def test_bad_files_are_refused_with_one_line_and_nothing_written(tmp_path):
    data = _empty_data(tmp_path)
    before = sorted(str(p.relative_to(data)) for p in data.rglob("*"))
    for what, (path, reason) in _bad_files(tmp_path).items():
        result = _add(str(path), "--data", str(data))
        assert result.exit_code == 1, what
        message = result.output.strip()
        assert message.count("\n") == 0 and "Traceback" not in message, what
        assert message.startswith(f"Error: {path}") and reason in message, (what, message)
    assert sorted(str(p.relative_to(data)) for p in data.rglob("*")) == before


def test_build_parses_only_the_policy_that_changed(tmp_path):
    data = _empty_data(tmp_path)
    for pid in ("bcbsma-260", "medmutual-200802", "premera-7.01.92"):
        assert _add(str(SEEDS[pid]), "--data", str(data), "--id", pid).exit_code == 0
    db = tmp_path / "build" / "kb.db"
    first = build(db, data)
    assert (first.parsed, first.reused) == (3, 0)
    again = build(db, data)
    assert (again.parsed, again.reused) == (0, 3)
    assert _add(str(SEEDS["unnamed-solid-tumors-outside-liver"]), "--data", str(data), "--id", "u").exit_code == 0
    text = data / "policies" / "medmutual-200802.txt"
    text.write_text(text.read_text() + "\n")
    after = build(db, data)
    assert (after.parsed, after.reused) == (2, 2)
    cold = build(tmp_path / "cold" / "kb.db", data)
    assert after.counts == cold.counts
    warm, fresh = sqlite_utils.Database(db), sqlite_utils.Database(tmp_path / "cold" / "kb.db")
    for table in ("statements", "policy_references", "works", "citation_anomalies"):
        assert list(warm[table].rows) == list(fresh[table].rows), table
    cache = db.with_name("kb.parse-cache")
    assert len(list(cache.glob("*.pickle"))) == 4 and not list(cache.glob(".*"))


def test_a_parser_change_makes_every_cached_parse_a_miss(tmp_path):
    cache = ParseCache(tmp_path, "version-a")
    cache.put("0" * 64, "policies/x.txt", {"parsed": True})
    assert cache.get("0" * 64, "policies/x.txt") == {"parsed": True}
    assert ParseCache(tmp_path, "version-b").get("0" * 64, "policies/x.txt") is None
    (next(tmp_path.glob("*.pickle"))).write_bytes(b"half a pick")
    assert ParseCache(tmp_path, "version-a").get("0" * 64, "policies/x.txt") is None
