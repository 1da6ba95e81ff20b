"""What the reviewer pages show, read through the knowledge base's read API: one function per page.

Each takes a KnowledgeBase (over the sqlite3 connection Datasette's execute_fn gives) and returns
plain data for a template; the templates only lay it out. Pages are server-rendered and work
without JavaScript, except the graph view.
"""
from __future__ import annotations

import csv
import difflib
import html
import io
import re
from collections import defaultdict

from markupsafe import Markup, escape

from ..cite.csl import csl_item
from ..cite.formats import STYLES, formatted
from ..store.designs import ORDER
from ..store.read import KnowledgeBase
from ..text import guideline_label, line_offsets

CYTOSCAPE = "vendor/cytoscape-3.34.4.min.js"


POLICIES_PER_PAGE = 100  # on /-/reviewer: at 10,000 policies the whole list took 1.3 s a request


def _page_of(items: list, page: int, per_page: int, what_fills: str) -> tuple[list, int, int]:
    """(the items on page `page`, the number of pages, the rank of the page's first item); Unknown past the end.
    what_fills names the items in the message: "the 12 policies fill"."""
    pages, first = _pages(len(items), page, per_page, what_fills)
    return items[first - 1:first - 1 + per_page], pages, first


def _pages(count: int, page: int, per_page: int, what_fills: str) -> tuple[int, int]:
    """(the number of pages of `count` items, the rank of page `page`'s first item), as _page_of, when the
    items are read a page at a time."""
    pages = max(1, -(-count // per_page))
    if page > pages:
        raise Unknown(f"no page {page}: {what_fills} {pages} page{'s' if pages > 1 else ''}")
    return pages, (page - 1) * per_page + 1


def index(kb: KnowledgeBase, page: int = 1) -> dict:
    """Every indication and trial, and one page (?page=) of the policies; Unknown for a page past the end."""
    count = kb.policy_count()
    pages, first = _pages(count, page, POLICIES_PER_PAGE, f"the {count} policies fill")
    return {"policies": kb.policies(offset=first - 1, limit=POLICIES_PER_PAGE), "n_policies": count, "page": page,
            "pages": pages, "first_rank": first,
            "indications": kb.indications(), "trials": kb.trials()}


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
        mark("criterion", c, f"criterion: {clip(c['text'], 60)}", f"#statement-{c['statement_id'].split(':')[-1]}")
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
    roles = kb.statement_citation_roles(policy_id)
    for s in statements:
        s["criteria"] = [c for c in criteria if c["statement_id"] == s["id"]]
        s["indications"] = kb.statement_indications(s["id"])
        s["roles"] = roles.get(s["id"], {})
    return {"policy": p, "lines": lines, "statements": statements, "codes": codes, "references": references,
            "fields": [f for f in fields if f["date"] is not None], "guidelines": labelled(kb.policy_guidelines(policy_id)),
            "trials": kb.policy_trials(policy_id), **currency(kb, "policy_id", policy_id)}


def clip(text: str, limit: int) -> str:
    """At most limit characters, cut between words and marked "…" where cut: a chip never ends mid-word."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:(")
    return f"{cut}…"


def labelled(guidelines: list[dict]) -> list[dict]:
    """Guidelines, each with its label (body, topic, version; the body once)."""
    return [{**g, "label": guideline_label(g["body"], g["topic"], g["version"])} for g in guidelines]


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
    return render_markup("".join(out))


# The markup policy files carry, matched in their escaped form: inline tags shown as formatting where they open
# and close on the line, block tags as line breaks, **bold** and *italic* as Markdown has them. Nothing else a
# line holds becomes markup: the rest stays escaped text.
_INLINE_TAG = re.compile(r"&lt;(b|strong|i|em|u|sup|sub)&gt;(.*?)&lt;/\1&gt;", re.I | re.S)
_BREAK_TAG = re.compile(r"(?:\s*&lt;(?:p|li|br)(?:\s[^&]*?(?:&quot;[^&]*?&quot;)*[^&]*?)?/?&gt;\s*)+", re.I)
_DROPPED_TAG = re.compile(r"\s*&lt;/?(?:p|li|ul|ol)(?:\s(?:[^&]|&quot;)*?)?&gt;", re.I)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*(?![\w*])")


def render_markup(escaped: str) -> str:
    """An escaped line with its formatting markup rendered (see above)."""
    previous = None
    while previous != escaped:  # nested tags: <p><b>...</b></p>
        previous, escaped = escaped, _INLINE_TAG.sub(lambda m: f"<{m[1].lower()}>{m[2]}</{m[1].lower()}>", escaped)
    escaped = _BREAK_TAG.sub("<br>", escaped)
    escaped = _DROPPED_TAG.sub("", escaped)
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    return _ITALIC.sub(r"<em>\1</em>", escaped)


class BadRequest(Exception):
    """A reviewer view was asked with a parameter it cannot take; the message says which values it can."""


class Unknown(Exception):
    """A reviewer view was asked for something the knowledge base does not hold; the message lists what it does."""


TOP_WORKS = 20  # works shown per page of an indication's evidence: the page stays small at any corpus size
STATEMENTS_SHOWN = 100  # statements shown on an indication page; the rest in the coverage_matrix table
LISTED_POLICIES = 10  # policies named as listing a work; the others counted


def indication(kb: KnowledgeBase, indication_id: str, page: int = 1, all_background: bool = False) -> dict | None:
    """Counts, the statements, and one page of the evidence: the works most policies cite first, each with its
    design and the policies listing it; the evidence's design profile over all of it."""
    ind = kb.indication(indication_id)
    if ind is None:
        return None
    counts = kb.indication_counts(indication_id)
    pages, first = _pages(counts["n_works"], page, TOP_WORKS, f"the evidence on {ind['label']} fills")
    works = kb.indication_evidence(indication_id, first - 1, TOP_WORKS)
    listed_by = kb.first_listed_by([w["work_id"] for w in works], LISTED_POLICIES)  # whoever lists it, not only here
    for w in works:
        w["policies"], w["n_listing"] = listed_by[w["work_id"]]
        w["shared"] = w["n_listing"] > 1
    trials = kb.indication_trials(indication_id)
    for t in trials:
        t["results"] = kb.trial_results(t["id"])
    shown = kb.coverage(indication_id, STATEMENTS_SHOWN)
    dates = kb.effective_dates(sorted({s["policy_id"] for s in shown}))
    designs = kb.statement_designs([s["statement_id"] for s in shown])
    for s in shown:
        s["effective"] = dates.get(s["policy_id"])
        s["profile"] = profile(designs.get(s["statement_id"], {}))
    # ?background=all lists every work cited only as background: at 200 policies an indication had ~1,000
    background = kb.indication_background(indication_id, -1 if all_background else TOP_WORKS)
    for w in background:
        w["policies"] = w["policies"].split(",")
    return {"indication": ind, "statements": shown, **counts, "profile": profile(counts["designs"]),
            "works": works, "page": page, "pages": pages, "first_rank": first, "trials": trials,
            "narrower": kb.narrower(indication_id), "background": background,
            **currency(kb, "indication_id", indication_id)}


def profile(counts: dict[str, int]) -> list[dict]:
    """Design counts in the designs' order (strongest first), those with none left out."""
    return [{"design": d, "n": counts[d]} for d in ORDER if counts.get(d)]


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
    return {"works": [], "statements": [], "trials": [], "guidelines": [], "policies": [], "lines": []}


MISSING_LISTED = 200  # ids listed on a page for an id the knowledge base lacks; the rest in the table


def missing(kb: KnowledgeBase, kind: str, argument: str) -> dict:
    """What a reviewer page says of an id the knowledge base lacks: that it does not exist, and the ids it holds
    (policies, indications, trials: the first MISSING_LISTED), or for a work, the works a search for it finds."""
    known = {"policy": lambda: [(p["id"], p["title"]) for p in kb.policies()],
             "indication": lambda: [(i["id"], i["label"]) for i in kb.indications()],
             "trial": lambda: [(t["id"], t["label"]) for t in kb.trials()]}.get(kind, list)()
    found = search(kb, argument) if kind == "work" else search_empty()
    return {**found, "kind": kind, "argument": argument, "known": known[:MISSING_LISTED], "n_known": len(known),
            "table": {"policy": "policies", "indication": "indications", "trial": "trials"}.get(kind)}


SEARCH_WORDS = 12  # more words than this find nothing more, and SQLite's FTS refuses very long expressions


def search(kb: KnowledgeBase, query: str) -> dict:
    """Works, statements, trials, guidelines, policies and the policies' lines matching every word (as a prefix)."""
    words = re.findall(r"\w+", query)
    if not words:
        return search_empty()
    if len(words) > SEARCH_WORDS:
        return {**search_empty(), "search_error": f"{len(words)} words: search takes at most {SEARCH_WORDS}"}
    found = kb.search(words)
    found["guidelines"] = labelled(found["guidelines"])
    for line in found["lines"]:
        line["snippet_html"] = html.escape(line["snippet"]).replace("\x02", "<mark>").replace("\x03", "</mark>")
    return found


GRID_POLICIES = 50  # policies across one page of the coverage grid: it stays readable, and small, at any size


def _grid_filters(kb: KnowledgeBase, group: str, status: str) -> dict:
    """The grid's filters, checked: group, an indication with narrower ones; status, one status; "" means any."""
    groups, statuses = kb.indication_groups(), kb.statuses()
    if group and group not in {g["id"] for g in groups}:
        raise BadRequest(f"no indication group {group!r}; groups: {', '.join(g['id'] for g in groups)}")
    if status and status not in statuses:
        raise BadRequest(f"no status {status!r}; statuses: {', '.join(statuses)}")
    return {"groups": groups, "statuses": statuses, "group": group, "status": status}


def coverage_grid(kb: KnowledgeBase, group: str, status: str, page: int = 1) -> dict:
    """Indications down, policies across (by issuer, GRID_POLICIES a page), each cell the statements on it, with
    their criteria and the design profile of their evidence. Only policies with a cell under the filters stand."""
    filters = _grid_filters(kb, group, status)
    ids = kb.coverage_policies(group or None, status or None)
    shown, pages, first = _page_of(ids, page, GRID_POLICIES, "the policies fill")
    by_id = {p["id"]: p for p in kb.policies(shown)}
    cells = kb.coverage_cells(group or None, status or None, shown)
    designs = kb.statement_designs(sorted({c["statement_id"] for c in cells}))
    rows: dict[str, dict] = {}
    for c in cells:
        row = rows.setdefault(c["indication_id"], {"id": c["indication_id"], "label": c["indication"], "cells": {}})
        c["profile"] = profile(designs.get(c["statement_id"], {}))
        row["cells"].setdefault(c["policy_id"], []).append(c)
    return {**filters, "policies": [by_id[i] for i in shown], "rows": list(rows.values()), "n_cells": len(cells),
            "n_policies": len(ids), "page": page, "pages": pages, "first": first}


CSV_COLUMNS = ["indication_id", "indication", "issuer", "policy_id", "policy_title", "review_status", "status",
               "mapping", "statement_indication", "criteria_logic", "criteria", "statement_id", "line_start",
               "line_end", "source"]


CSV_CHUNK = 2000  # cells read and sent at a time: at 10,000 policies the CSV of every cell is ~40 MB


def coverage_csv_chunk(kb: KnowledgeBase, group: str, status: str, after: int) -> tuple[str, int | None]:
    """The CSV of the next CSV_CHUNK cells the grid's filters select, after the cell numbered `after` (its
    header first when `after` is 0): one row per statement and indication, source the policy page at the
    statement's line. Returned with the number to continue after, None at the end. BadRequest for bad filters."""
    if not after:
        _grid_filters(kb, group, status)
    read = CSV_COLUMNS[:-1]  # all but source, which is made here
    cells = kb.coverage_cell_values(read, group or None, status or None, after, CSV_CHUNK)
    policy, line = read.index("policy_id") + 1, read.index("line_start") + 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if not after:
        writer.writerow(CSV_COLUMNS)
    writer.writerows((*c[1:], f"/-/policy/{c[policy]}#L{c[line]}") for c in cells)
    return out.getvalue(), cells[-1][0] if len(cells) == CSV_CHUNK else None


LISTED_IDS = 50  # policy ids an unknown-policy message lists


def compare(kb: KnowledgeBase, a: str, b: str, policies: list[dict]) -> dict:
    """Two policies side by side: positions by indication with criteria differences marked word by word, the
    works each lists (shared, only in a, only in b), and their dates. Unknown when either id is not one of
    `policies` (kb.policies(), which the form lists too)."""
    by_id = {p["id"]: p for p in policies}
    missing = [x for x in (a, b) if x not in by_id]
    if missing:
        ids = list(by_id)
        listed = ", ".join(ids[:LISTED_IDS]) + (f" and {len(ids) - LISTED_IDS} more (the form lists them all)"
                                               if len(ids) > LISTED_IDS else "")
        raise Unknown(f"no policy {', '.join(repr(m) for m in missing)}; policies: {listed}")
    dates = kb.effective_dates([a, b])
    sides = {}
    for key, pid in (("a", a), ("b", b)):
        positions = kb.positions(pid)
        designs = kb.statement_designs([s["statement_id"] for s in positions])
        for s in positions:
            s["policy_id"], s["profile"] = pid, profile(designs.get(s["statement_id"], {}))
        review = kb.review_date(pid)
        sides[key] = {**by_id[pid], "effective": dates.get(pid), "review": review, "positions": positions,
                      "works": {w["id"]: w for w in kb.cited_works(pid)}}
    rows: dict[str, dict] = {}
    for key in ("a", "b"):
        for s in sides[key]["positions"]:
            row = rows.setdefault(s["indication_id"] or s["indication"],
                                  {"indication_id": s["indication_id"], "indication": s["indication"], "a": [], "b": []})
            row[key].append(s)
    for row in rows.values():
        text_a, text_b = ("\n".join(_position_text(s) for s in row[k]) for k in ("a", "b"))
        row["same"] = text_a == text_b
        row["a_html"], row["b_html"] = (word_diff(text_a, text_b) if row["a"] and row["b"] else
                                        (html.escape(text_a).replace("\n", "<br>"), html.escape(text_b).replace("\n", "<br>")))
    works_a, works_b = sides["a"]["works"], sides["b"]["works"]
    return {"a": sides["a"], "b": sides["b"], "rows": sorted(rows.values(), key=lambda r: r["indication"].lower()),
            "shared": [w for k, w in works_a.items() if k in works_b],
            "only_a": [w for k, w in works_a.items() if k not in works_b],
            "only_b": [w for k, w in works_b.items() if k not in works_a]}


def policy_options(policies: list[dict], selected: str) -> Markup:
    """The compare form's options, one per policy, as the template wrote them: rendered here, since the template's
    two loops over every policy were most of the page's time (20,000 iterations at 10,000 policies)."""
    return Markup("".join(f'<option value="{escape(p["id"])}"{" selected" if p["id"] == selected else ""}>'
                          f'{escape(p["id"])} — {escape(p["issuer"])}</option>' for p in policies))


def _position_text(s: dict) -> str:
    """What a position says, as compared: its status, then its criteria, one per line."""
    return f"{s['status']}\n{s['criteria'] or ''}".strip()


def word_diff(a: str, b: str) -> tuple[str, str]:
    """Both texts as HTML, escaped, the words only one has marked (<del> in a, <ins> in b); lines kept."""
    words_a, words_b = re.findall(r"\n|[^\s]+", a), re.findall(r"\n|[^\s]+", b)
    out_a, out_b = [], []

    def put(out: list, words: list[str], tag: str | None) -> None:
        text = " ".join(html.escape(w) for w in words).replace(" \n ", "<br>").replace("\n", "<br>")
        if text:
            out.append(f"<{tag}>{text}</{tag}>" if tag else text)
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, words_a, words_b, autojunk=False).get_opcodes():
        put(out_a, words_a[i1:i2], None if op == "equal" else "del")
        put(out_b, words_b[j1:j2], None if op == "equal" else "ins")
    return " ".join(out_a), " ".join(out_b)
