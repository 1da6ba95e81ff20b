"""Documents cut short, with NUL bytes, or too large are refused, naming the file and line.

What "complete" means here is generic, not a fact about the seeds: a policy closes with its
references or its history (codes and notices may follow them), and nothing is left open on its
last line (see kb/ingest/ending.py). A cut at a character keeps a partial last line; a cut that
falls exactly at the end of a line leaves whole lines only, and when those end in end matter the
result is a shorter but complete-looking policy: nothing in the text can tell it from one with
fewer references, so such a cut may load. Every other cut must be refused on its last line.
"""
from __future__ import annotations

import pytest

from kb.ingest import DocumentError, parse_document
from kb.ingest.document import MAX_DOCUMENT_BYTES

from .conftest import DATA, FIXTURES

DOCUMENTS = sorted((DATA / "policies").glob("*.txt")) + [FIXTURES / "unseen_policy.txt"]
CODE_TABLE_LAST = FIXTURES / "code_table_last.txt"
CUTS = 40


def _parse(tmp_path, text: str, bodies, name: str = "cut.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return parse_document(path, name, bodies)


def _refusal(tmp_path, text: str, bodies) -> tuple[int, str] | None:
    try:
        _parse(tmp_path, text, bodies)
    except DocumentError as exc:
        return exc.line, exc.message
    return None


def _last_line(text: str) -> int:
    """Number of the last line holding text: the line a reader looks at."""
    return max(number for number, line in enumerate(text.split("\n"), start=1) if line.strip())


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem[:24])
def test_every_cut_is_refused_on_its_last_line_unless_it_kept_whole_lines(path, tmp_path, bodies):
    text = path.read_text(encoding="utf-8")
    _parse(tmp_path, text, bodies)  # the whole document loads
    wrong, whole_lines = [], []
    for i in range(1, CUTS):
        at = len(text) * i // CUTS
        cut = text[:at]
        refusal = _refusal(tmp_path, cut, bodies)
        if refusal is None and (text[at] == "\n" or not cut.split("\n")[-1].strip()):
            whole_lines.append(_last_line(cut))  # cut between lines: loads only when it ends in end matter
        elif refusal is None or refusal[0] != _last_line(cut) or not refusal[1].startswith(("truncated: ",
                                                                                            "not a policy document")):
            wrong.append((at, _last_line(cut), refusal, cut[-60:]))
    assert wrong == []
    assert whole_lines == []  # none of these cut points falls between lines


def test_a_code_table_cell_may_end_a_document_but_half_of_one_may_not(tmp_path, bodies):
    text = CODE_TABLE_LAST.read_text(encoding="utf-8")
    assert not text.endswith("\n") and text.split("\n")[-1].startswith("50250\t")
    policy = parse_document(CODE_TABLE_LAST, CODE_TABLE_LAST.name, bodies)
    assert [c.code for c in policy.codes] == ["50593", "50250"] and len(policy.references) == 3
    assert _refusal(tmp_path, text[: text.rindex("cryosurgical") + 5], bodies) == (
        28, "truncated: the last table cell ends mid-word: 'Ablation, open, renal mass lesion(s), cryos'")


BASE = CODE_TABLE_LAST.read_text(encoding="utf-8")
RATIONALE_END = BASE.index("## References")
REFERENCES_END = BASE.index("\n\n## Codes")
HISTORY = BASE + "\n\n## History\n\nDate\tComments\n01/2024\tNew policy.\n"


@pytest.mark.parametrize("text, line, message", [
    (BASE[:RATIONALE_END], 16, "the document ends in 'Cryoablation of Test Tumors > Rationale', before the "
                               "references or history a policy closes with"),
    (BASE[:REFERENCES_END] + "\n\n## Codes\n", 24, "the document ends with the heading 'Codes', with nothing "
                                                    "under it"),
    (HISTORY + "02/2024\tAnnual review. See <a hr", 34, "the last line ends inside an unclosed HTML element: "
                                                        "'02/2024\\tAnnual review. See <a hr'"),
    (BASE[:REFERENCES_END] + "\n4. Roe R. Renal ablation. *Test J", 23,
     "the last line leaves an emphasis or a bracket open: '4. Roe R. Renal ablation. *Test J'"),
    (BASE + "\n\n| Code | Description |\n|---|---|\n| 50593 | Ablation", 32,
     "the last table row is left open, without its closing '|': '| 50593 | Ablation'"),
    (BASE[:REFERENCES_END] + "\n4.", 23, "the document ends with the list marker '4.' and no text after it"),
    (HISTORY + "\nThe policy was revised as follows:", 35, "the document ends with 'The policy was revised as "
                                                           "follows:', announcing a list that is missing"),
    (BASE + "\n\n## History\n\nDate\tComments", 32, "the document ends with the header row of a table and no row "
                                                    "under it: 'Date\\tComments'"),
    (HISTORY + "02/2024\t", 34, "the last table row stops short of the columns the row above fills: '02/2024'"),
    (HISTORY + "02/2024\tAnnual review. Policy statements unchanged", 34,
     "the last table cell ends mid-sentence: 'Annual review. Policy statements unchanged'"),
    (HISTORY + "02/2024\tCoding update", 34, "the last table cell ends mid-sentence: 'Coding update'"),
    (BASE + "\nCPT:\t50593, 50250 and 5025", 29, "the last table cell ends with '5025', the beginning of a longer "
                                                 "number, shaped like no code above it"),
    (BASE[:REFERENCES_END] + "\n4. Roe R, Doe J. Renal Ablation Outcomes.", 23,
     "reference 4 stops before its year: 'Roe R, Doe J. Renal Ablation Outcomes.'"),
    (BASE[:REFERENCES_END] + "\n4. Roe R. Renal ablation. *Test J.* 2020;3:1-9.", 23,
     "reference 4 stops before its PMID, which most articles of its list give: 'Roe R. Renal ablation. Test J. "
     "2020;3:1-9.'"),
    (BASE[:REFERENCES_END] + "\n4. Roe R. Renal ablation. *Test J.* 2020;3:1-9. PMID 1000", 23,
     "reference 4 ends with PMID 1000, shorter than every other PMID of its list"),
    (BASE[:REFERENCES_END] + "\n4. Test Society. Position statement on ablation. Version 1.2024. TS; 202", 23,
     "reference 4 ends mid-entry: 'ety. Position statement on ablation. Version 1.2024. TS; 202'"),
    (BASE[: BASE.index("3. Zed")], 21, "the reference list stops at 2, but line 16 cites 3"),
    (BASE + "\n50300\tAblation, renal mass lesion(s), cryosurgical ", 29,
     "the last line stops after a space, mid-sentence: '50300\\tAblation, renal mass lesion(s), cryosurgical'"),
    (BASE + "\n\n## History\n\nLast review: 10/01/2", 32, "the last line stops inside '10/01/2': 'Last review: "
                                                          "10/01/2'"),
], ids=["outside end matter", "heading", "html tag", "emphasis", "pipe row", "list marker", "lead-in",
        "table header", "row short", "prose cell", "prose column", "code shape", "reference year", "reference pmid",
        "pmid short", "reference ending", "cited beyond", "trailing space", "token"])
def test_each_way_a_document_can_end_open_is_named(tmp_path, bodies, text, line, message):
    """One small document per rule of ending.py (mid-sentence and open HTML elements: test_bad_input.py)."""
    assert _refusal(tmp_path, text, bodies) == (line, f"truncated: {message}")


def test_a_document_without_headings_is_refused_on_its_last_line(tmp_path, bodies):
    assert _refusal(tmp_path, "Cryoablation is considered medically necessary.\n\nSee the criteria.", bodies) == (
        3, "not a policy document, or cut short: it has no headings, so none of the references or history a policy "
           "closes with")


def test_a_whole_last_line_with_its_line_break_is_not_taken_for_a_cut(tmp_path, bodies):
    entry = "\n4. Roe R. Renal ablation. *Test J.* 2020;3:1-9. PMID:"
    assert _refusal(tmp_path, BASE[:REFERENCES_END] + entry + "\n", bodies) is None  # an empty PMID, as written
    assert _refusal(tmp_path, BASE[:REFERENCES_END] + entry + "\n  ", bodies) is None  # spaces on the line after
    assert _refusal(tmp_path, BASE[:REFERENCES_END] + entry, bodies) == (
        23, "truncated: reference 4 ends mid-entry: 'Roe R. Renal ablation. Test J. 2020;3:1-9. PMID:'")


def test_a_nul_byte_is_refused_with_its_line_and_column(tmp_path, bodies):
    lines = BASE.split("\n")
    lines[13] = lines[13][:7] + "\0" + lines[13][7:]
    assert _refusal(tmp_path, "\n".join(lines), bodies) == (
        14, "NUL byte at column 8: a text document has none (the file is binary, UTF-16 or damaged)")


def test_a_document_over_the_size_limit_is_refused_unread(tmp_path, bodies):
    path = tmp_path / "huge.txt"
    path.write_bytes(BASE.encode() + b"\n" + b"x" * (MAX_DOCUMENT_BYTES + 12_345))
    with pytest.raises(DocumentError) as refused:
        parse_document(path, "policies/huge.txt", bodies)
    size = path.stat().st_size
    assert str(refused.value) == f"policies/huge.txt:1: too large: 5.0 MB ({size:,} bytes); the limit is 5 MB"


def test_the_build_never_reads_a_document_over_the_limit(scratch_data, tmp_path, monkeypatch):
    """The checksum check would otherwise read a file of any size into memory before the parser refuses it."""
    from pathlib import Path

    from kb.pipeline import build
    huge = scratch_data / "policies" / "huge.txt"
    huge.write_bytes(b"x" * (MAX_DOCUMENT_BYTES + 1))
    read_bytes = Path.read_bytes

    def guarded(path):
        assert path.name != "huge.txt", "the build read the whole oversized file"
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", guarded)
    report = build(tmp_path / "kb.db", scratch_data)
    assert "huge" in report.failed
    assert [p.message for p in report.problems if p.source.endswith("huge.txt") and p.severity == "error"] == [
        f"too large: 5.0 MB ({MAX_DOCUMENT_BYTES + 1:,} bytes); the limit is 5 MB"]
