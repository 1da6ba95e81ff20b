"""The read API: KnowledgeBase answers the readers' questions from the seed build, and the CLI asks it."""
from __future__ import annotations

import ast
import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.store.present import render
from kb.store.read import KnowledgeBase, NotAKnowledgeBase, QueryError

from .conftest import ROOT

SOLSTICE = "pmid:32151777"
POLICIES = ["bcbsks-liver-tumors", "bcbsma-260", "medmutual-200802", "premera-7.01.92",
            "unnamed-solid-tumors-outside-liver"]


@pytest.fixture(scope="module")
def kb(kb_path):
    with KnowledgeBase.open(kb_path) as opened:
        yield opened


def test_every_place_citing_solstice(kb):
    places = [(p["policy_id"], p["issuer"], p["reference_number"], p["reference_line"], p["citation_line"])
              for p in kb.citing_places(SOLSTICE)]
    assert places == [
        ("bcbsma-260", "Blue Cross Blue Shield of Massachusetts", 20, 214, None),
        ("premera-7.01.92", "Premera", 15, 262, None),
        ("unnamed-solid-tumors-outside-liver", "(issuer not named: unnamed-solid-tumors-outside-liver)", 69, 251, 125)]
    assert kb.first_listed_by([SOLSTICE], 10) == {
        SOLSTICE: (["bcbsma-260", "premera-7.01.92", "unnamed-solid-tumors-outside-liver"], 3)}
    assert kb.first_listed_by([SOLSTICE, "no-such-work"], 2) == {SOLSTICE: (["bcbsma-260", "premera-7.01.92"], 3)}


def test_the_evidence_path_from_a_statement_to_solstice_and_back(kb):
    """statement → citation → reference → work, read both ways through the one `evidence` view."""
    assert kb.statements_citing([SOLSTICE]) == [
        {"id": "unnamed-solid-tumors-outside-liver:statement:6", "policy_id": "unnamed-solid-tumors-outside-liver",
         "indication": "Lung cancer", "status": "medically necessary", "line_start": 32}]
    path = kb.rows("select * from evidence where statement_id = ? and work_id = ?",
                   ["unnamed-solid-tumors-outside-liver:statement:6", SOLSTICE])
    assert [(p["marker"], p["cited_in_section"], p["citation_line"], p["reference_number"], p["sites"])
            for p in path] == [("<sup>[69]</sup>", "Nonrandomized Studies", 125, 69, "lung")]
    assert kb.work_trials(SOLSTICE) == [{"id": "solstice", "name": "SOLSTICE", "role": "primary report (Callstrom 2020)"}]
    assert len([r for r in kb.trial_results("solstice")]) == 6
    assert kb.statements_citing([]) == []


def test_evidence_has_one_row_per_statement_citation_and_number(kb):
    """statement_citations holds every link; evidence leaves out the background: the blanket <sup>[1-51]</sup>
    of the solid-tumours policy (51 of its 97 references) near each of its four statements on kidney, lung,
    liver or prostate, 4 × 51 rows."""
    assert kb.rows("select count(*) as n from statement_citations") == [{"n": 318}]
    assert kb.rows("""select count(*) as n from statement_evidence e
                      join citation_targets t on t.citation_id = e.citation_id""") == [{"n": 318}]
    assert kb.rows("""select statement_id, role_reason, count(*) as n from statement_citations
                      where role = 'background' group by 1, 2 order by 1""") == [
        {"statement_id": f"unnamed-solid-tumors-outside-liver:statement:{n}", "n": 51,
         "role_reason": "cites 51 of the 97 references at once (more than half the list)"} for n in (3, 4, 6, 7)]
    assert kb.rows("select count(*) as n from evidence") == [{"n": 318 - 4 * 51}]
    lung = kb.rows("""select distinct reference_number from evidence e join coverage_matrix m
                      on m.statement_id = e.statement_id where m.indication_id = 'lung-neoplasms'
                      and e.policy_id = 'unnamed-solid-tumors-outside-liver' order by 1""")
    assert [r["reference_number"] for r in lung] == [67, 68, 69, 70, 89, 90, 91, 92, 93, 94, 95]
    assert {(w["policy_id"], w["work_id"]) for w in kb.evidence_works("lung-neoplasms")} >= {
        ("unnamed-solid-tumors-outside-liver", SOLSTICE),
        ("premera-7.01.92", "guideline:nccn-non-small-cell-lung-cancer-4-2025")}


def test_policies_with_their_issuer_label(kb):
    assert [(p["id"], p["issuer"]) for p in kb.policies()] == [
        ("bcbsks-liver-tumors", "Blue Cross and Blue Shield of Kansas"),
        ("bcbsma-260", "Blue Cross Blue Shield of Massachusetts"),
        ("medmutual-200802", "(issuer not named: medmutual-200802)"),
        ("premera-7.01.92", "Premera"),
        ("unnamed-solid-tumors-outside-liver", "(issuer not named: unnamed-solid-tumors-outside-liver)")]
    assert kb.policy("no-such-policy") is None


def test_the_coverage_matrix_pivot(kb):
    columns, rows = kb.matrix()
    assert columns == ["indication", *POLICIES]
    assert (len(rows), len(kb.indications())) == (21, 27)  # the rows: indications some statement reaches
    by_label = {row[0]: dict(zip(POLICIES, row[1:])) for row in rows}
    assert by_label["Hepatocellular carcinoma"] == {
        "bcbsks-liver-tumors": "experimental/investigational (via liver-neoplasms)", "bcbsma-260": "",
        "medmutual-200802": "medically necessary", "premera-7.01.92": "", "unnamed-solid-tumors-outside-liver": ""}
    renal = by_label["Renal cell carcinoma"]
    assert renal["bcbsma-260"] == "medically necessary; investigational"
    assert renal["unnamed-solid-tumors-outside-liver"] == "medically necessary (via kidney-neoplasms)"
    assert len(kb.coverage("renal-cell-carcinoma")) == 6  # six statements from four policies


@pytest.mark.parametrize("question, answer", [
    (lambda kb: kb.works_by_pmid("32151777"), [SOLSTICE]),
    (lambda kb: kb.works_by_pmid("1"), []),
    (lambda kb: kb.works_by_doi("10.1016/NOT.A.DOI"), []),
    (lambda kb: kb.trials_named("Solstice"), ["solstice"]),
    (lambda kb: kb.trials_by_registry_id("nct05505643"), ["cool-it"]),
    (lambda kb: kb.trial_works(["eclipse"]), ["pmid:26230972", "pmid:34384914"]),
    (lambda kb: [w["id"] for w in kb.works_matching('"SOLSTICE"*')], [SOLSTICE]),
    (lambda kb: sorted({r["work_id"] for r in kb.cited_authors(2004) if r["first_author"] == "Kaufman"}),
     ["pmid:15194073", "pmid:15474424"]),
    (lambda kb: kb.reference_for(SOLSTICE)["number"], 20),  # bcbsma-260 #20: a PMID, the first policy
])
def test_work_lookup(kb, question, answer):
    assert question(kb) == answer


def test_open_refuses_what_is_not_a_knowledge_base(tmp_path):
    with pytest.raises(NotAKnowledgeBase, match=r"none\.db: no knowledge base here; run `kb build` first"):
        KnowledgeBase.open(tmp_path / "none.db")
    text = tmp_path / "notes.db"
    text.write_text("not SQLite at all, but long enough to have a header of sorts" * 20)
    with pytest.raises(NotAKnowledgeBase, match=r"notes\.db: not a knowledge base \(file is not a database\)"):
        KnowledgeBase.open(text)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("create table policies (id text)")
    with pytest.raises(NotAKnowledgeBase, match=r"other\.db: not a knowledge base of this version \(no .+\); run"):
        KnowledgeBase.open(other)


def test_query_errors_carry_sqlites_message(kb):
    with pytest.raises(QueryError, match="no such table: nowhere"):
        kb.query("select * from nowhere")
    assert kb.query("select id from policies where id = ?", ["premera-7.01.92"]) == (["id"], [("premera-7.01.92",)])


def test_the_knowledge_base_is_opened_read_only(kb):
    with pytest.raises(QueryError, match="readonly"):
        kb.query("delete from policies")


def test_render_formats():
    columns, rows = ["id", "n"], [("a", 1), ("b, c", None)]
    assert render(columns, rows, "csv") == 'id,n\r\na,1\r\n"b, c",\r\n'
    assert json.loads(render(columns, rows, "json")) == [{"id": "a", "n": 1}, {"id": "b, c", "n": None}]
    assert render(columns, rows, "table") == "id      n\n----  ---\na       1\nb, c\n"
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render(columns, rows, "xml")


def test_cli_refuses_a_file_that_is_not_a_knowledge_base(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("hello " * 200)
    for command in (["matrix"], ["query", "policy_pair_overlap"], ["cite", "SOLSTICE"], ["export"],
                    ["serve", "--metadata", str(ROOT / "metadata.yml")]):  # not ./metadata.yml: any working folder
        result = CliRunner().invoke(cli, [*command, "--db", str(bad)])
        assert result.exit_code == 1, command
        assert result.stderr.strip().splitlines() == [f"Error: {bad}: not a knowledge base (file is not a database); "
                                                      "run `kb build`"], command


def test_cli_matrix_as_csv(kb_path):
    result = CliRunner().invoke(cli, ["matrix", "--db", str(kb_path), "--format", "csv"])
    lines = result.stdout_bytes.decode("utf-8").split("\r\n")  # csv's line ends, as written
    assert lines[0] == "indication," + ",".join(POLICIES)
    assert "Hepatocellular carcinoma,experimental/investigational (via liver-neoplasms),,medically necessary,," in lines
    assert len(lines) == 1 + 21 + 1  # header, one row per indication a statement reaches, and the final line break


SQL = re.compile(r"\bselect\b.*\bfrom\b|\binsert\s+into\b|\bupdate\b.*\bset\b|\bdelete\s+from\b|\bcreate\s+"
                 r"(?:table|view|index)\b|\bpragma\b|\bjoin\b.*\bon\b|\bwhere\b.*[=<>]", re.I | re.S)


def _sql_strings(source: str) -> list[str]:
    """String constants of Python source (f-string parts included) that read as SQL."""
    return [node.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)]


def test_the_cli_holds_no_sql():
    assert _sql_strings((ROOT / "kb" / "cli.py").read_text(encoding="utf-8")) == []


def test_the_sql_check_can_fail():
    assert _sql_strings('rows = conn.execute("select id from policies order by id")') == [
        "select id from policies order by id"]
    assert _sql_strings('sql = f"""select s.id from statements s\n join x on x.id = {t}"""') != []
    assert _sql_strings('help="Run canned query NAME from queries/; without NAME, list them."') == []


def test_the_issuer_label_is_written_once():
    """In SQL, "(issuer not named: <id>)" is built by the policy_issuers view alone."""
    sources = [*Path(ROOT / "kb").rglob("*.py"), *Path(ROOT / "queries").glob("*.sql")]
    writing = [path.relative_to(ROOT).as_posix() for path in sources
               if "'(issuer not named" in path.read_text(encoding="utf-8")]
    assert writing == ["kb/store/schema.py"]


def test_coverage_cell_values_name_only_the_coverage_columns(kb):
    assert kb.coverage_cell_values(["policy_id", "policy_title"], limit=1)[0][1:] == (
        kb.coverage_cells()[0]["policy_id"], kb.coverage_cells()[0]["policy_title"])
    with pytest.raises(ValueError, match=r"coverage_matrix has no column \['1; drop table policies'\]"):
        kb.coverage_cell_values(["policy_id", "1; drop table policies"])
