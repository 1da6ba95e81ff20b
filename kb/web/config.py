"""The plugin's settings, from `plugins: kb:` in metadata.yml: which database is the knowledge base, where the
canned queries are. The SPARQL endpoint's own bounds are read in sparql.py."""
from __future__ import annotations

import weakref
from pathlib import Path

from ..queries import DEFAULT_QUERIES

DEFAULT_DATABASE = "kb"
_CONFIGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _config(datasette) -> dict:
    """The settings, read once per Datasette: Datasette merges its whole metadata to answer, and
    render_cell asks for every cell of a page (a 1,000-row canned query spent 1 s here)."""
    if datasette not in _CONFIGS:
        _CONFIGS[datasette] = datasette.plugin_config("kb") or {}
    return _CONFIGS[datasette]


def database_name(datasette) -> str:
    """The name of the database the plugin serves as the knowledge base (`database`, default "kb")."""
    return str(_config(datasette).get("database", DEFAULT_DATABASE))


WORDING = {"reviewer_heading": "Reviewer pages", "search_placeholder": "a trial, an author, an indication"}


def wording(datasette) -> dict[str, str]:
    """What the pages call the corpus and suggest searching for: genre words, set in metadata.yml, not in code."""
    config = _config(datasette)
    return {key: str(config.get(key, default)) for key, default in WORDING.items()}


def queries_dir(datasette) -> Path:
    """The folder of canned queries (`queries_dir`, relative to the working folder), else the repository's."""
    config = _config(datasette)
    return Path(config["queries_dir"]) if "queries_dir" in config else DEFAULT_QUERIES
