"""Canned queries: the files in queries/, shared by the Datasette plugin and the CLI.

SQL (.sql, for `kb query` and Datasette) and SPARQL (.rq, for `kb sparql` and /-/sparql) files
start with comment lines naming them:

    -- title: References cited by more than one policy        (# title: ... in a .rq file)
    -- description: ...
"""
from __future__ import annotations

import re
from pathlib import Path

_HEADER = re.compile(r"^(?:--|#)\s*(?P<key>title|description|hide_sql)\s*:\s*(?P<value>.*?)\s*$")
DEFAULT_QUERIES = Path(__file__).resolve().parents[1] / "queries"


def read_query(path: Path) -> dict:
    """A canned query from a .sql file: its SQL plus the title and description in its header."""
    query: dict = {"sql": path.read_text(encoding="utf-8")}
    for line in query["sql"].splitlines():
        match = _HEADER.match(line)
        if not match:
            break
        key, value = match.group("key"), match.group("value")
        query[key] = value.lower() == "true" if key == "hide_sql" else value
    return query


def load_queries(folder: Path = DEFAULT_QUERIES, suffix: str = ".sql") -> dict[str, dict]:
    return {path.stem: read_query(path) for path in sorted(folder.glob(f"*{suffix}"))}


def parameters(sql: str) -> list[str]:
    """Named parameters (:name) the query needs, in order of first use."""
    without_strings = re.sub(r"'[^']*'", "", sql)
    without_comments = re.sub(r"--[^\n]*", "", without_strings)
    return list(dict.fromkeys(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", without_comments)))
