"""Where an id in a table cell leads: its reviewer page, or its registry (PubMed, DOI, ClinicalTrials.gov)."""
from __future__ import annotations

import re
import urllib.parse

# column -> reviewer page of the id in it; in each table, its own `id` column counts as the table's id
_PAGES = {"policy_id": "/-/policy/{}", "work_id": "/-/work/{}", "trial_id": "/-/trial/{}",
          "indication_id": "/-/indication/{}"}
_OWN_ID = {"policies": "policy_id", "works": "work_id", "trials": "trial_id", "indications": "indication_id",
           "statements": "statement_id"}
_REGISTRIES = {"pmid": "https://pubmed.ncbi.nlm.nih.gov/{}/", "doi": "https://doi.org/{}",
               "nct_id": "https://clinicaltrials.gov/study/{}", "registry_id": "https://clinicaltrials.gov/study/{}"}
_NCT = re.compile(r"NCT\d{8}")
COLUMNS = frozenset({"id", "statement_id", *_PAGES, *_REGISTRIES})  # the only columns target() can link


def target(table: str | None, column: str, value) -> str | None:
    """The path or URL a cell's value links to, or None. Paths are relative to the server's root."""
    if value is None or value == "":
        return None
    text = str(value)
    column = _OWN_ID.get(table, column) if column == "id" else column
    if column == "statement_id" and ":statement:" in text:
        policy, ordinal = text.split(":statement:", 1)
        return f"/-/policy/{urllib.parse.quote(policy, safe='')}#statement-{ordinal}"
    if column in _PAGES:
        return _PAGES[column].format(urllib.parse.quote(text, safe=":"))
    if column in _REGISTRIES and (column not in ("nct_id", "registry_id") or _NCT.fullmatch(text)):
        return _REGISTRIES[column].format(urllib.parse.quote(text, safe="/:."))
    return None
