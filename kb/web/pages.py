"""What the reviewer pages show, read through the knowledge base's read API: one function per page.

Each takes a KnowledgeBase (over the sqlite3 connection Datasette's execute_fn gives) and returns
plain data for a template; the templates only lay it out. Pages are server-rendered and work
without JavaScript, except the graph view.
"""
from __future__ import annotations

import html
import re
from collections import defaultdict

from ..cite.csl import csl_item
from ..cite.formats import STYLES, formatted
from ..store.read import KnowledgeBase
from ..text import line_offsets

CYTOSCAPE = "vendor/cytoscape-3.34.4.min.js"


def index(kb: KnowledgeBase) -> dict:
    return {"policies": kb.policies(), "indications": kb.indications(), "trials": kb.trials()}


def policy(kb: KnowledgeBase, policy_id: str) -> dict | None:
    """The document's lines, each with the facts drawn from it, citations linked in the text."""
    p = kb.policy(policy_id)
    if p is None:
        return None
    facts: dict[int, list[dict]] = defaultdict(list)

    def mark(kind, row, label, href):
        """Every line of the fact's range is marked; its label stands on the first."""
        for n in range(row["line_start"], row["line_end"] + 1):
            facts[n].append({"kind": kind, "label": label, "href": href, "first": n == row["line_start"]})

    statements = kb.statements(policy_id)
    for s in statements:
        mark("statement", s, f"statement {s['ordinal']}: {s['indication']} — {s['status']}", f"#statement-{s['ordinal']}")
    criteria = kb.criteria(policy_id)
    for c in criteria:
        mark("criterion", c, f"criterion: {c['text'][:60]}", f"#statement-{c['statement_id'].split(':')[-1]}")
    codes = kb.codes(policy_id)
    for c in codes:
        mark("code", c, f"{c['system']} {c['code']}" + (f" ({c['status']})" if c["status"] else ""), "#codes")
    references = kb.references(policy_id)
    for r in references:
        mark("reference", r, f"reference #{r['number'] or r['position']} → {r['work_id']}",
             f"/-/work/{r['work_id']}")
    fields = kb.fields(policy_id)
    for f in fields:
        mark("field", f, f"{f['label']}: {f['value']}", "#fields")
    by_line: dict[int, list[dict]] = defaultdict(list)
    for c in kb.citations(policy_id):
        by_line[c["line_start"]].append(c)
    ref_line = {r["number"]: r["line_start"] for r in references if r["number"]}
    lines = []
    text_lines = p["text"].split("\n")
    offsets = line_offsets(text_lines)
    origins = kb.origins(policy_id)
    for n, raw in enumerate(text_lines, start=1):
        lines.append({"n": n, "html": _line_html(raw, offsets[n - 1], by_line.get(n, []), ref_line),
                      "facts": facts.get(n, []), "origin": origins.get(n)})
    for s in statements:
        s["criteria"] = [c for c in criteria if c["statement_id"] == s["id"]]
        s["indications"] = kb.statement_indications(s["id"])
    return {"policy": p, "lines": lines, "statements": statements, "codes": codes, "references": references,
            "fields": [f for f in fields if f["date"] is not None], "guidelines": kb.policy_guidelines(policy_id),
            "trials": kb.policy_trials(policy_id), **currency(kb, "policy_id", policy_id)}


def currency(kb: KnowledgeBase, column: str, value: str) -> dict:
    """Is the evidence still current: what is new since the review (of a policy, or of each covering an
    indication), what could not be searched, and the registry status of the trials listed."""
    searches = kb.review_searches(column, value) if column != "trial_id" else []
    return {"since_review": kb.since_review(value) if column == "policy_id" else None,
            "new_evidence": kb.new_evidence(column, value) if column != "trial_id" else [],
            "not_searched": [s for s in searches if s["status"] != "searched"],
            "searched": [s for s in searches if s["status"] == "searched"],
            "registry": kb.registry_status(column, value) if column != "indication_id" else []}


def _line_html(raw: str, offset: int, citations: list[dict], ref_line: dict[int, int]) -> str:
    """The escaped line, each in-text citation replaced by links to its reference line and its work."""
    out, at = [], 0
    for c in citations:
        start, end = c["char_start"] - offset, c["char_end"] - offset
        out.append(html.escape(raw[at:start]))
        parts = []
        for link in c["links"]:
            target = f"#L{ref_line[link['number']]}" if link["number"] in ref_line else None
            work = f"/-/work/{link['work_id']}" if link["work_id"] else None
            label = str(link["number"])
            if work:
                parts.append(f'<a class="cite" href="{html.escape(work)}" title="the work cited">{label}</a>'
                             + (f'<a class="to-ref" href="{target}" aria-label="reference {label} in the list">'
                                f'↓</a>' if target else ""))
            else:
                parts.append(label)
        out.append(f'<sup class="citation">[{", ".join(parts)}]</sup>')
        at = end
    out.append(html.escape(raw[at:]))
    return "".join(out)


def indication(kb: KnowledgeBase, indication_id: str) -> dict | None:
    ind = kb.indication(indication_id)
    if ind is None:
        return None
    statements = kb.coverage(indication_id)
    listed_by = kb.listed_by()  # every policy whose reference list holds the work, not only these statements'
    works = {}
    for e in kb.evidence_works(indication_id):
        policies = listed_by.get(e["work_id"], [])
        works.setdefault(e["work_id"], {**e, "policies": policies, "shared": len(policies) > 1})
    trials = kb.trials_reporting(list(works))
    for t in trials:
        t["results"] = kb.trial_results(t["id"])
    dates = kb.effective_dates()
    for s in statements:
        s["effective"] = dates.get(s["policy_id"])
    return {"indication": ind, "statements": statements, "works": list(works.values()), "trials": trials,
            "narrower": kb.narrower(indication_id), "background": kb.indication_background(indication_id),
            **currency(kb, "indication_id", indication_id)}


def work(kb: KnowledgeBase, work_id: str) -> dict | None:
    w = kb.work(work_id)
    if w is None:
        return None
    item = csl_item(kb, work_id)
    article = kb.pubmed_article(w["pmid"])
    return {"work": w, "citations": {style: formatted(item, style) for style in STYLES},
            "fields_from": item["_source"], "article": article,
            "authors": kb.pubmed_authors(w["pmid"]) if article else [],
            "mesh": kb.pubmed_mesh(w["pmid"]) if article else [],
            "audit": kb.citation_audit(work_id), "anomalies": kb.citation_anomalies(work_id),
            "cited_by": kb.citing_places(work_id), "statements": kb.statements_citing([work_id]),
            "background_statements": kb.statements_citing_as_background([work_id]),
            "trials": kb.work_trials(work_id)}


def trial(kb: KnowledgeBase, trial_id: str) -> dict | None:
    t = kb.trial(trial_id)
    if t is None:
        return None
    publications = kb.trial_publications(trial_id)
    return {"trial": t, "publications": publications, "results": kb.trial_results(trial_id),
            "sources": kb.trial_sources(trial_id),
            "statements": kb.statements_citing([p["id"] for p in publications]),
            "registry_publications": kb.registry_publications(t["registry_id"]) if t["registry_id"] else [],
            **currency(kb, "trial_id", trial_id)}


def search_empty() -> dict:
    return {"works": [], "statements": [], "trials": [], "guidelines": [], "policies": []}


SEARCH_WORDS = 12  # more words than this find nothing more, and SQLite's FTS refuses very long expressions


def search(kb: KnowledgeBase, query: str) -> dict:
    """Works, statements, trials, guidelines and policies matching every word (as a prefix)."""
    words = re.findall(r"\w+", query)
    if not words:
        return search_empty()
    if len(words) > SEARCH_WORDS:
        return {**search_empty(), "search_error": f"{len(words)} words: search takes at most {SEARCH_WORDS}"}
    return kb.search(words)
