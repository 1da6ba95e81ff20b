"""Bad input gets a clear message naming the file and line; the build goes on, or stops cleanly.

The broken documents are made here from the seed policies (cut, corrupted or edited copies in a
temporary data folder); the repository's data/ is never changed.
"""
from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from kb import pipeline
from kb.cli import cli
from kb.pipeline import BuildError, build

SEEDS = ["bcbsks-liver-tumors", "bcbsma-260", "medmutual-200802", "premera-7.01.92",
         "unnamed-solid-tumors-outside-liver"]
BCBSMA = "policies/bcbsma-260-cryosurgical-ablation-misc-solid-tumors.txt"
PREMERA = "policies/premera-7.01.92-cryoablation-kidney-lung-breast-pancreas-bone.txt"
UNNAMED = "policies/unnamed-cryosurgical-ablation-solid-tumors-outside-liver.txt"


def _add(data, name: str, content) -> None:
    path = data / "policies" / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)


def _about(report, name):
    return [(p.severity, p.code, p.line) for p in report.problems if p.source.endswith(name)]


def _message(report, name, code):
    return next(p.message for p in report.problems if p.source.endswith(name) and p.code == code)


def test_empty_document_is_reported_and_the_others_load(scratch_data, tmp_path):
    _add(scratch_data, "empty.txt", b"")
    report = build(tmp_path / "kb.db", scratch_data)
    assert _about(report, "empty.txt") == [("warning", "not-in-manifest", 1), ("error", "document-unreadable", 1)]
    assert _message(report, "empty.txt", "document-unreadable") == "empty document (0 bytes, no text)"
    assert sorted(report.loaded) == SEEDS and report.failed == ["empty"]


def test_truncated_document_mid_sentence(scratch_data, tmp_path):
    text = (scratch_data / PREMERA).read_text()
    _add(scratch_data, "cut.txt", text[: text.index("Woodrum DA, Nichols") + 12])
    report = build(tmp_path / "kb.db", scratch_data)
    assert ("error", "document-unreadable", 262) in _about(report, "cut.txt")
    assert _message(report, "cut.txt", "document-unreadable").startswith("truncated: the document ends mid-sentence")


def test_truncated_document_inside_an_html_cell(scratch_data, tmp_path):
    text = (scratch_data / PREMERA).read_text()
    _add(scratch_data, "cut.txt", text[: text.index("• Bone cancer and bone metastases") + 10])
    report = build(tmp_path / "kb.db", scratch_data)
    assert ("error", "document-unreadable", 40) in _about(report, "cut.txt")
    assert "unclosed HTML element" in _message(report, "cut.txt", "document-unreadable")


def test_non_utf8_bytes_name_their_line(scratch_data, tmp_path):
    lines = (scratch_data / BCBSMA).read_bytes().split(b"\n")
    lines[99] = lines[99].replace(b"lumpectomy", b"lump\xffectomy")
    _add(scratch_data, "latin.txt", b"\n".join(lines))
    report = build(tmp_path / "kb.db", scratch_data)
    assert ("error", "document-unreadable", 100) in _about(report, "latin.txt")
    assert _message(report, "latin.txt", "document-unreadable").startswith("not UTF-8 text (byte 0xff")


def test_document_without_reference_list_loads_with_a_warning(scratch_data, tmp_path):
    text = (scratch_data / BCBSMA).read_text()
    _add(scratch_data, "norefs.txt", text[: text.index("## References")])
    report = build(tmp_path / "kb.db", scratch_data)
    assert _about(report, "norefs.txt") == [("warning", "not-in-manifest", 1), ("warning", "no-reference-list", 1),
                                            ("info", "coverage-sentence-not-extracted", 138),  # its summary
                                            ("info", "coverage-sentence-not-extracted", 147)]  # restates them
    assert "norefs" in report.loaded


def test_duplicate_reference_number(scratch_data, tmp_path):
    text = (scratch_data / BCBSMA).read_text().replace("2. Simmons RM, Ballman KV", "1. Simmons RM, Ballman KV")
    _add(scratch_data, "dup.txt", text)
    report = build(tmp_path / "kb.db", scratch_data)
    assert ("warning", "reference-number-duplicate", 195) in _about(report, "dup.txt")
    assert _message(report, "dup.txt", "reference-number-duplicate") == (
        "reference number 1 is used twice (first at line 194)")
    assert not any(code == "reference-number-gap" for _, code, _ in _about(report, "dup.txt"))


def test_citation_to_a_number_the_list_lacks(scratch_data, tmp_path):
    text = (scratch_data / UNNAMED).read_text().replace("in the lungs, interim results at one-year follow-up were "
                                                         "published in 2015.<sup>[70]</sup>",
                                                         "in the lungs, interim results at one-year follow-up were "
                                                         "published in 2015.<sup>[170]</sup>")
    _add(scratch_data, "dangling.txt", text)
    report = build(tmp_path / "kb.db", scratch_data)
    assert ("warning", "citation-unresolved", 127) in _about(report, "dangling.txt")
    assert _message(report, "dangling.txt", "citation-unresolved") == (
        "citation '<sup>[170]</sup>' names reference 170, which is not in the reference list (the list has 1-97)")


def test_file_listed_but_missing(scratch_data, tmp_path):
    manifest = scratch_data / "policies.yml"
    manifest.write_text(manifest.read_text() + "\n- id: gone\n  file: policies/gone.txt\n")
    report = build(tmp_path / "kb.db", scratch_data)
    assert _about(report, "gone.txt") == [("error", "document-missing", 1)]
    assert "gone" in report.failed and sorted(report.loaded) == SEEDS


def _leftovers(folder) -> list[str]:
    """Temporary files and folders of a build (the knowledge base's companions, as kb.db.oxigraph, are not)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp"))


def test_strict_build_fails_and_leaves_the_previous_knowledge_base(scratch_data, tmp_path):
    db = tmp_path / "kb.db"
    build(db, scratch_data)
    before = (db.read_bytes(), os.stat(db).st_mtime_ns)
    _add(scratch_data, "empty.txt", b"   \n")
    with pytest.raises(BuildError) as failure:
        build(db, scratch_data, strict=True)
    assert "--strict: 2 problem(s); the knowledge base was not written" == str(failure.value)
    assert (db.read_bytes(), os.stat(db).st_mtime_ns) == before
    assert _leftovers(tmp_path) == []


def test_a_build_that_fails_while_writing_leaves_the_previous_file(scratch_data, tmp_path, monkeypatch):
    db = tmp_path / "kb.db"
    build(db, scratch_data)
    before = db.read_bytes()

    def broken_write(database, tables):
        database["policies"].insert({"id": "half-written"})
        raise OSError("disk full")

    monkeypatch.setattr(pipeline, "_write", broken_write)
    with pytest.raises(OSError, match="disk full"):
        build(db, scratch_data)
    assert db.read_bytes() == before
    assert _leftovers(tmp_path) == []  # no temporary file left behind


def test_cli_reports_problems_and_strict_exits_non_zero(scratch_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the folder holding data/, as a user runs `kb build`: files are named from it
    _add(scratch_data, "empty.txt", b"")
    runner = CliRunner()
    db = tmp_path / "kb.db"
    result = runner.invoke(cli, ["build", "--db", str(db), "--data", str(scratch_data)])
    assert result.exit_code == 3  # written, but a document was not loaded
    assert "data/policies/empty.txt:1: error: empty document (0 bytes, no text)" in result.stderr
    assert "not loaded: empty" in result.stderr
    assert result.stdout.startswith(f"{db}: 5 policies, 23 statements")
    strict = runner.invoke(cli, ["build", "--db", str(tmp_path / "other.db"), "--data", str(scratch_data), "--strict"])
    assert strict.exit_code == 1
    assert "Error: --strict: 2 problem(s); the knowledge base was not written" in strict.stderr
    assert not (tmp_path / "other.db").exists()
