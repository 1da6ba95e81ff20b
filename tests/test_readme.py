"""The README's examples, run, so that it cannot drift from what `kb` prints.

Every `$ kb ...` line in a fenced block of README.md is run here against a freshly built knowledge base
(conftest's kb_path, served as build/kb.db in a scratch folder beside queries/), and what it prints is
compared with the lines under it, up to the next `$` line: a line `...` stands for any lines (an elided
part), and a command with nothing under it must only succeed. The few that cannot run here are in
NOT_RUN, each with why and where the tests check it instead. A block after `<!-- docs-test: sql: ... -->`
is that query's answer as `kb query` prints a table.
"""
from __future__ import annotations

import re
import shlex
import sqlite3

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.store.present import render
from kb.store.read import KnowledgeBase

from .conftest import ROOT

README = ROOT / "README.md"
NOT_RUN = {
    "kb cite --file queries.txt --format bibtex > refs.bib": "needs the reader's file; test_cite runs --file",
    "kb export --format turtle > kb.ttl": "writes a file; test_rdf round-trips every export format",
    "kb enrich --eutils-url http://127.0.0.1:9/entrez/eutils/": "retries an unreachable server; test_enrich",
    "kb enrich --cache empty.sqlite --eutils-url http://127.0.0.1:9/entrez/eutils/": "as above; test_enrich",
    "kb registry --ctgov-url http://127.0.0.1:45281/api/v2/": "the tests' fake server; test_registry",
    "kb new-evidence --eutils-url http://127.0.0.1:44393/entrez/eutils/ --today 2025-10-02":
        "the tests' fake server; test_new_evidence",
    "kb since-review premera-7.01.92": "shows the fake servers' records; test_new_evidence",
    "kb new-evidence --eutils-url http://127.0.0.1:9/entrez/eutils/": "retries an unreachable server; test_new_evidence",
    "kb since-review unnamed-solid-tumors-outside-liver": "after that failed search; test_new_evidence",
    "kb add premera.pdf --id premera-pdf": "needs a published PDF; test_convert adds one written by tests/publish.py",
}


def blocks() -> list[tuple[str, list[str]]]:
    """Each fenced block's lines, with the docs-test comment just above it ("" where none)."""
    found, note, lines, inside = [], "", [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if inside:
                found.append((note, lines))
                note, lines = "", []
            inside = not inside
        elif inside:
            lines.append(line)
        else:
            match = re.fullmatch(r"<!-- docs-test: (.*) -->", line.strip())
            note = match.group(1) if match else (note if not line.strip() else "")
    return found


def examples() -> list[tuple[str, list[str]]]:
    """Each `$ kb` command (its comment cut) and the lines printed under it."""
    found = []
    for _, lines in blocks():
        for i, line in enumerate(lines):
            if line.startswith("$ kb"):
                command = re.sub(r"\s+#.*$", "", line[2:]).strip()
                end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("$ ")), len(lines))
                found.append((command, lines[i + 1:end]))
    return found


def matches(expected: list[str], got: list[str]) -> bool:
    """got is expected (trailing spaces aside), where each `...` line stands for any lines."""
    if not expected:
        return not got
    if expected[0] == "...":
        return any(matches(expected[1:], got[k:]) for k in range(len(got) + 1))
    return bool(got) and got[0].rstrip() == expected[0].rstrip() and matches(expected[1:], got[1:])


@pytest.fixture(scope="module")
def scratch(kb_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("readme")
    (folder / "build").mkdir()
    (folder / "build" / "kb.db").symlink_to(kb_path)
    (folder / "queries").symlink_to(ROOT / "queries")
    return folder


def test_every_kb_example_is_run_or_said_why_not():
    commands = [command for command, _ in examples()]
    assert len(commands) >= 15
    assert set(NOT_RUN) <= set(commands), set(NOT_RUN) - set(commands)  # no stale reasons


@pytest.mark.parametrize("command,expected", [e for e in examples() if e[0] not in NOT_RUN], ids=lambda v: str(v)[:40])
def test_kb_example_prints_what_the_readme_shows(scratch, monkeypatch, command, expected):
    monkeypatch.chdir(scratch)
    result = CliRunner().invoke(cli, shlex.split(command)[1:], prog_name="kb", terminal_width=80)
    assert result.exit_code == 0, result.output
    if expected:
        got = result.output.rstrip("\n").split("\n")
        assert matches(expected, got), "\n".join(["README:", *expected, "kb printed:", *got])


def test_tables_shown_in_the_readme_are_the_answers_of_their_queries(kb_path):
    shown = [(note.removeprefix("sql:").strip(), lines) for note, lines in blocks() if note.startswith("sql:")]
    assert shown
    kb = KnowledgeBase(sqlite3.connect(kb_path))
    for sql, lines in shown:
        columns, rows = kb.query(sql, {})
        assert render(columns, rows, "table").rstrip("\n").split("\n") == lines, sql


def test_setting_up_is_two_commands():
    """The README's first two blocks are the whole set-up: `make serve` and `make test`, nothing more."""
    assert [lines for _, lines in blocks()[:2]] == [["make serve"], ["make test"]]
