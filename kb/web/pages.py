"""What the reviewer pages show, read from the knowledge base: one function per page.

Each takes a sqlite3 connection (Datasette's execute_fn gives one) and returns plain data for a
template; the templates only lay it out. Pages are server-rendered and work without JavaScript,
except the graph view.
"""
from __future__ import annotations

import html
import re
from collections import defaultdict

from ..cite import places
from ..cite.csl import csl_item
from ..cite.formats import STYLES, formatted
from ..store.read import rows
from ..text import line_offsets

CYTOSCAPE = "vendor/cytoscape-3.34.4.min.js"


def one(conn, sql, params=()) -> dict | None:
    found = rows(conn, sql, params)
    return found[0] if found else None


def index(conn) -> dict:
    return {
        "policies": rows(conn, "select id, title, coalesce(issuer, '(issuer not named)') as issuer, review_status "
                               "from policies order by id"),
        "indications": rows(conn, """select i.id, i.label, i.mesh_id, count(distinct s.policy_id) as policies
                                     from indications i left join coverage_matrix s on s.indication_id = i.id
                                     group by i.id order by i.label"""),
        "trials": rows(conn, "select id, coalesce(name, full_name) as name, registry_id from trials order by id"),
    }


def policy(conn, policy_id: str) -> dict | None:
    """The document's lines, each with the facts drawn from it, citations linked in the text."""
    p = one(conn, "select * from policies where id = ?", [policy_id])
    if p is None:
        return None
    facts: dict[int, list[dict]] = defaultdict(list)

    def mark(kind, row, label, href):
        """Every line of the fact's range is marked; its label stands on the first."""
        for n in range(row["line_start"], row["line_end"] + 1):
            facts[n].append({"kind": kind, "label": label, "href": href, "first": n == row["line_start"]})

    statements = rows(conn, "select * from statements where policy_id = ? order by ordinal", [policy_id])
    for s in statements:
        mark("statement", s, f"statement {s['ordinal']}: {s['indication']} — {s['status']}", f"#statement-{s['ordinal']}")
    criteria = rows(conn, "select * from criteria where policy_id = ? order by statement_id, ordinal", [policy_id])
    for c in criteria:
        mark("criterion", c, f"criterion: {c['text'][:60]}", f"#statement-{c['statement_id'].split(':')[-1]}")
    codes = rows(conn, "select * from codes where policy_id = ? order by id", [policy_id])
    for c in codes:
        mark("code", c, f"{c['system']} {c['code']}" + (f" ({c['status']})" if c["status"] else ""), "#codes")
    references = rows(conn, """select r.*, w.title as work_title from policy_references r join works w on w.id = r.work_id
                               where r.policy_id = ? order by position""", [policy_id])
    for r in references:
        mark("reference", r, f"reference #{r['number'] or r['position']} → {r['work_id']}",
             f"/-/work/{r['work_id']}")
    for f in rows(conn, "select * from policy_fields where policy_id = ?", [policy_id]):
        mark("field", f, f"{f['label']}: {f['value']}", "#fields")
    citations = rows(conn, """select c.*, group_concat(t.number || '|' || coalesce(r.work_id, ''), ';') as targets
                              from citations c join citation_targets t on t.citation_id = c.id
                              left join policy_references r on r.id = t.reference_id
                              where c.policy_id = ? group by c.id order by c.char_start""", [policy_id])
    by_line: dict[int, list[dict]] = defaultdict(list)
    for c in citations:
        c["links"] = [{"number": int(n), "work_id": w or None} for n, w in
                      (t.split("|") for t in c["targets"].split(";"))]
        by_line[c["line_start"]].append(c)
    ref_line = {r["number"]: r["line_start"] for r in references if r["number"]}
    lines = []
    text_lines = p["text"].split("\n")
    offsets = line_offsets(text_lines)
    for n, raw in enumerate(text_lines, start=1):
        lines.append({"n": n, "html": _line_html(raw, offsets[n - 1], by_line.get(n, []), ref_line),
                      "facts": facts.get(n, [])})
    for s in statements:
        s["criteria"] = [c for c in criteria if c["statement_id"] == s["id"]]
        s["indications"] = rows(conn, """select i.id, i.label from statement_indications m
                                         join indications i on i.id = m.indication_id where m.statement_id = ?""",
                                [s["id"]])
    return {"policy": p, "lines": lines, "statements": statements, "codes": codes, "references": references,
            "fields": rows(conn, "select * from policy_fields where policy_id = ? and date is not null", [policy_id]),
            "guidelines": rows(conn, """select distinct g.id, g.body, g.topic, g.version from guideline_mentions m
                                        join guidelines g on g.id = m.guideline_id where m.policy_id = ?
                                        order by g.body, g.topic""", [policy_id]),
            "trials": rows(conn, """select distinct t.id, coalesce(t.name, t.full_name) as name from trial_sources s
                                    join trials t on t.id = s.trial_id where s.policy_id = ? order by t.id""",
                           [policy_id])}


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


def indication(conn, indication_id: str) -> dict | None:
    ind = one(conn, "select * from indications where id = ?", [indication_id])
    if ind is None:
        return None
    statements = rows(conn, """select m.*, p.title as policy_title from coverage_matrix m
                               join policies p on p.id = m.policy_id where m.indication_id = ?
                               order by m.policy_id, m.line_start""", [indication_id])
    evidence = rows(conn, """select distinct m.policy_id, r.work_id, w.first_author, w.year, w.title
                             from coverage_matrix m join statement_evidence e on e.statement_id = m.statement_id
                             join citation_targets t on t.citation_id = e.citation_id
                             join policy_references r on r.id = t.reference_id join works w on w.id = r.work_id
                             where m.indication_id = ? order by w.first_author, w.year""", [indication_id])
    listed_by = defaultdict(set)  # every policy whose reference list holds the work, not only these statements'
    for row in rows(conn, "select distinct work_id, policy_id from policy_references"):
        listed_by[row["work_id"]].add(row["policy_id"])
    works = {}
    for e in evidence:
        works.setdefault(e["work_id"], {**e, "policies": sorted(listed_by[e["work_id"]]),
                                        "shared": len(listed_by[e["work_id"]]) > 1})
    trials = rows(conn, f"""select distinct t.id, coalesce(t.name, t.full_name) as name, p.work_id
                            from trial_publications p join trials t on t.id = p.trial_id
                            where p.work_id in ({','.join('?' * len(works)) or "''"})""", list(works))
    for t in trials:
        t["results"] = rows(conn, "select * from trial_results where trial_id = ? order by id", [t["id"]])
    dates = {r["policy_id"]: r["date"] for r in rows(
        conn, """select policy_id, max(date) as date from policy_fields
                 where label like '%effective%' and date is not null group by policy_id""")}
    for s in statements:
        s["effective"] = dates.get(s["policy_id"])
    return {"indication": ind, "statements": statements, "works": list(works.values()), "trials": trials,
            "narrower": rows(conn, "select id, label from indications where broader_id = ?", [indication_id])}


def work(conn, work_id: str) -> dict | None:
    w = one(conn, "select * from works where id = ?", [work_id])
    if w is None:
        return None
    item = csl_item(conn, work_id)
    cited_by, statements = places(conn, work_id)
    article = one(conn, "select * from pubmed_articles where pmid = ?", [w["pmid"]]) if w["pmid"] else None
    return {"work": w, "citations": {style: formatted(item, style) for style in STYLES},
            "fields_from": item["_source"], "article": article,
            "authors": rows(conn, "select * from pubmed_authors where pmid = ? order by position", [w["pmid"]])
            if article else [],
            "mesh": rows(conn, "select * from pubmed_mesh where pmid = ? order by ordinal", [w["pmid"]]) if article
            else [],
            "audit": rows(conn, "select * from citation_audit where work_id = ? order by reference_id", [work_id]),
            "anomalies": rows(conn, "select * from citation_anomalies where work_id = ? order by id", [work_id]),
            "cited_by": cited_by, "statements": statements,
            "trials": rows(conn, """select t.id, coalesce(t.name, t.full_name) as name, p.role from trial_publications p
                                    join trials t on t.id = p.trial_id where p.work_id = ?""", [work_id])}


def trial(conn, trial_id: str) -> dict | None:
    t = one(conn, "select * from trials where id = ?", [trial_id])
    if t is None:
        return None
    publications = rows(conn, """select p.role, w.* from trial_publications p join works w on w.id = p.work_id
                                 where p.trial_id = ? order by w.year""", [trial_id])
    ids = [p["id"] for p in publications]
    return {"trial": t, "publications": publications,
            "results": rows(conn, "select * from trial_results where trial_id = ? order by id", [trial_id]),
            "sources": rows(conn, "select * from trial_sources where trial_id = ? order by policy_id", [trial_id]),
            "statements": rows(conn, f"""select distinct s.id, s.policy_id, s.indication, s.status, s.line_start
                                         from statement_evidence e join citation_targets ct on ct.citation_id = e.citation_id
                                         join policy_references r on r.id = ct.reference_id
                                         join statements s on s.id = e.statement_id
                                         where r.work_id in ({','.join('?' * len(ids)) or "''"})
                                         order by s.policy_id, s.ordinal""", ids)}


def search_empty() -> dict:
    return {"works": [], "statements": [], "trials": [], "guidelines": [], "policies": []}


SEARCH_WORDS = 12  # more words than this find nothing more, and SQLite's FTS refuses very long expressions


def search(conn, query: str) -> dict:
    """Works, statements, trials, guidelines and policies matching every word (as a prefix)."""
    words = re.findall(r"\w+", query)
    if not words:
        return search_empty()
    if len(words) > SEARCH_WORDS:
        return {**search_empty(), "search_error": f"{len(words)} words: search takes at most {SEARCH_WORDS}"}
    match = " ".join(f'"{w}"*' for w in words)
    like = [f"%{w}%" for w in words]
    all_like = " and ".join(["({} like ?)"] * len(words))
    return {
        "works": rows(conn, """select w.id, w.first_author, w.year, w.title from works_fts f
                               join works w on w.rowid = f.rowid where works_fts match ?
                               order by bm25(works_fts) limit 25""", [match]),
        "statements": rows(conn, """select s.id, s.policy_id, s.indication, s.status, s.line_start
                                    from statements_fts f join statements s on s.rowid = f.rowid
                                    where statements_fts match ? order by bm25(statements_fts) limit 25""", [match]),
        "trials": rows(conn, "select id, coalesce(name, full_name) as name, registry_id from trials where "
                             + all_like.format(*["coalesce(name, '') || ' ' || full_name || ' ' || "
                                                 "coalesce(registry_id, '')"] * len(words)), like),
        "guidelines": rows(conn, "select id, body, topic, version from guidelines where "
                                 + all_like.format(*["coalesce(body, '') || ' ' || coalesce(topic, '')"] * len(words)),
                           like),
        "policies": rows(conn, "select id, title from policies where "
                               + all_like.format(*["title || ' ' || coalesce(issuer, '')"] * len(words)), like),
    }


def neighbourhood(conn, node_id: str, limit: int = 150) -> dict | None:
    """A node, its neighbours and the edges between them, for the graph view."""
    centre = one(conn, "select * from nodes where id = ?", [node_id])
    if centre is None:
        return None
    edges = rows(conn, """select * from edges where source = ? or target = ? order by type, id limit ?""",
                 [node_id, node_id, limit])
    ids = {node_id} | {e["source"] for e in edges} | {e["target"] for e in edges}
    nodes = rows(conn, f"select * from nodes where id in ({','.join('?' * len(ids))}) order by id", list(ids))
    return {"centre": centre, "nodes": nodes, "edges": edges}
