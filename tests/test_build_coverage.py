"""The build makes a problem row of every position-stating sentence that is not a statement, and says per
document how many statements it found and how many such sentences it left."""
from __future__ import annotations

import shutil

from click.testing import CliRunner

from kb.cli import cli
from kb.pipeline import build

from .conftest import FIXTURES, absent_cache, copy_data


def _data_with(tmp_path, *names):
    data = copy_data(tmp_path / "data")
    for name in names:
        shutil.copy(FIXTURES / "payers" / f"{name}.txt", data / "policies" / f"{name}.txt")
    return data


def test_positions_left_are_problem_rows_on_their_lines(tmp_path):
    data = _data_with(tmp_path, "humana", "cigna")
    report = build(tmp_path / "kb.db", data, cache_path=absent_cache(tmp_path))
    rows = sorted((p.source.rsplit("/", 1)[-1], p.severity, p.code, p.line) for p in report.problems
                  if p.source.endswith(("humana.txt", "cigna.txt")) and p.code.startswith("coverage-"))
    assert rows == [("cigna.txt", "info", "coverage-boilerplate", 13),
                    ("humana.txt", "warning", "coverage-sentence-not-extracted", 27)]
    assert (report.coverage["humana"], report.coverage["cigna"]) == ((3, 1), (2, 0))
    assert report.coverage["premera-7.01.92"] == (7, 2)  # its introduction restates two positions in plain words


def test_build_prints_each_documents_statements_and_the_positions_left(tmp_path):
    data = _data_with(tmp_path, "humana")
    result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "kb.db"), "--data", str(data),
                                      "--cache", str(absent_cache(tmp_path))])
    assert "  humana: 3 statements, 1 coverage sentences not extracted\n" in result.stdout
    assert "  bcbsks-liver-tumors: 1 statements, 0 coverage sentences not extracted\n" in result.stdout
