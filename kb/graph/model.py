"""The evidence graph, the one model of nodes and edges, read from the store (read_graph): into a networkx
MultiDiGraph (build_graph), or straight into the `nodes` and `edges` tables at build time, with no graph in
memory (kb/graph/sqlite.py).

Node ids are "<type>/<row id>" so that, say, a work and a guideline with the same PMID stay two
nodes. Each node carries its type, a label, the row it stands for, the facts every sink needs
(`props`) and, for facts read from a document, where they were read (`span`: policy, lines and
characters). Each edge carries its type and a few attributes (reference number, section, status).
The SQLite tables `nodes` and `edges` are written from this model, and the RDF graph and the graph
views from those tables (kb/rdf/mapping.py), so they cannot disagree on what links to what.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..text import guideline_label

if TYPE_CHECKING:  # networkx is imported by build_graph, which makes one: the web server never needs it
    import networkx as nx


NODE_TYPES = ("document", "issuer", "policy", "section", "statement", "criterion", "indication", "code",
              "reference", "work", "trial", "result", "guideline", "recommendation", "external_policy", "overlap")
EDGE_TYPES = {
    "derived_from": "policy → the document it was read from",
    "issued_by": "policy → the issuer it names",
    "has_section": "policy or section → the section under it",
    "has_statement": "policy → its coverage statement",
    "in_section": "statement → the section it stands in",
    "has_criterion": "statement or criterion → the criterion under it",
    "about": "statement → an indication it covers",
    "broader": "indication → the broader indication",
    "lists_code": "policy → a code its coding section lists (status as an attribute)",
    "covers_code": "statement → a code it names",
    "lists": "policy → an entry of its reference list (number as an attribute)",
    "cites_work": "policy → a work its reference list cites (the entry as an attribute)",
    "cites": "section → a reference its in-text citation names (number, marker, line)",
    "is_work": "reference → the work it cites (match method and score)",
    "rests_on": "statement → a work cited as evidence in the passages about the same site (citation and reference as "
                "attributes)",
    "background": "statement → a work cited there only as background: in a marker citing most of the list at once, or "
                  "in a background section (the reason as an attribute)",
    "reports_trial": "work → the trial it reports",
    "has_result": "trial → a result a policy reports for it",
    "describes_trial": "policy → a trial it names or describes",
    "cites_guideline": "policy → a guideline it names (in its references or text)",
    "published_as": "guideline → the work that publishes it",
    "recommends": "guideline → a recommendation a policy quotes (with its level)",
    "replaces": "policy → the policy it replaces",
    "related_to": "policy → a policy it names as related",
    "overlap_of": "overlap → each of the two policies whose cited works it counts (policy_overlap: each policy's "
                  "closest others)",
}


def _pick(row: dict, *columns: str) -> dict:
    return {c: row[c] for c in columns if row.get(c) is not None and row.get(c) != ""}


def _span(row: dict) -> dict | None:
    if row.get("line_start") is None:
        return None
    return {"policy": row["policy_id"], **_pick(row, "line_start", "line_end", "char_start", "char_end")}


def build_graph(db) -> nx.MultiDiGraph:
    """The graph of everything the store holds, from a sqlite3 or sqlite-utils connection."""
    import networkx as nx

    g = nx.MultiDiGraph()
    read_graph(db, g)
    return g


def _each(db, sql: str) -> Iterator[dict]:
    """Rows as dicts, one at a time: the largest tables are read without a copy of them in memory."""
    cursor = db.execute(sql)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row))


def read_graph(db, g) -> None:
    """Add every node and edge the store holds to g, through its add_node(id, **data) and
    add_edge(tail, head, key=..., **data) (a networkx MultiDiGraph, or kb/graph/sqlite.py's writer); a node
    or edge added again takes the new data."""

    def node(node_type: str, row_id: str, label: str | None, table: str, props: dict | None = None,
             span: dict | None = None) -> str:
        node_id = f"{node_type}/{row_id}"
        data = {"type": node_type, "label": (label or row_id)[:200], "row_id": row_id, "table": table,
                "props": props or {}}
        if span:
            data["span"] = span
        g.add_node(node_id, **data)
        return node_id

    def edge(edge_type: str, tail: str, head: str, key: str, **attrs) -> None:
        g.add_edge(tail, head, key=f"{edge_type}:{key}", type=edge_type,
                   **{k: v for k, v in attrs.items() if v is not None})

    for p in _each(db, "select id, title, number, bcbsa_reference, issuer, file, sha256, review_status "
                      "from policies order by id"):
        policy = node("policy", p["id"], p["title"], "policies", _pick(p, "title", "number", "bcbsa_reference"))
        document = node("document", p["id"], p["file"], "policies", _pick(p, "file", "sha256", "review_status"))
        edge("derived_from", policy, document, p["id"])
        if p["issuer"]:
            edge("issued_by", policy, node("issuer", p["issuer"], p["issuer"], "policies", {"name": p["issuer"]}),
                 p["id"])
    for s in _each(db, "select * from sections order by id"):
        section = node("section", s["id"], s["path"] or s["heading"], "sections", _pick(s, "heading", "kind"),
                       _span(s))
        parent = f"section/{s['parent_id']}" if s["parent_id"] else f"policy/{s['policy_id']}"
        edge("has_section", parent, section, s["id"], kind=s["kind"])
    for s in _each(db, "select * from statements order by id"):
        statement = node("statement", s["id"], f"{s['indication']}: {s['status']}", "statements",
                         _pick(s, "indication", "status", "status_text", "logic"), _span(s))
        edge("has_statement", f"policy/{s['policy_id']}", statement, s["id"], status=s["status"])
        edge("in_section", statement, f"section/{s['section_id']}", s["id"])
    for c in _each(db, "select * from criteria order by id"):
        criterion = node("criterion", c["id"], c["text"], "criteria", _pick(c, "text", "connective"), _span(c))
        parent = f"criterion/{c['parent_id']}" if c["parent_id"] else f"statement/{c['statement_id']}"
        edge("has_criterion", parent, criterion, c["id"], connective=c["connective"])
    for i in _each(db, "select * from indications order by id"):
        node("indication", i["id"], i["label"], "indications", _pick(i, "label", "mesh_id", "icd10"))
    for i in _each(db, "select id, broader_id from indications where broader_id is not null order by id"):
        edge("broader", f"indication/{i['id']}", f"indication/{i['broader_id']}", i["id"])
    for m in _each(db, "select * from statement_indications order by statement_id, indication_id"):
        edge("about", f"statement/{m['statement_id']}", f"indication/{m['indication_id']}", m["statement_id"],
             matched_text=m["matched_text"])

    def code(c: dict) -> str:
        return node("code", f"{c['system']}:{c['code']}", f"{c['system']} {c['code']}", "codes",
                    _pick(c, "system", "code"))

    for c in _each(db, "select id, policy_id, system, code, status from codes order by id"):
        edge("lists_code", f"policy/{c['policy_id']}", code(c), c["id"], status=c["status"])
    for c in _each(db, "select statement_id, system, code from statement_codes order by 1, 2, 3"):
        edge("covers_code", f"statement/{c['statement_id']}", code(c), c["statement_id"])
    for w in _each(db, "select * from works order by id"):
        node("work", w["id"], f"{w['first_author']} {w['year'] or ''}: {w['title'] or ''}", "works",
             _pick(w, "kind", "title", "pmid", "doi", "volume", "issue", "pages", "first_author", "year",
                   "enrichment"))
    for r in _each(db, "select * from policy_references order by id"):
        reference = node("reference", r["id"], f"{r['first_author']} {r['year'] or ''} (#{r['number']})",
                         "policy_references", _pick(r, "number", "raw"), _span(r))
        edge("lists", f"policy/{r['policy_id']}", reference, r["id"], number=r["number"])
        edge("is_work", reference, f"work/{r['work_id']}", r["id"], method=r["match_method"], score=r["match_score"])
        edge("cites_work", f"policy/{r['policy_id']}", f"work/{r['work_id']}", r["id"], reference=r["id"])
    for c in _each(db, """select c.id, c.section_id, c.line_start, c.marker, t.number, t.reference_id
                           from citations c join citation_targets t on t.citation_id = c.id
                          where t.reference_id is not null order by c.id, t.number"""):
        edge("cites", f"section/{c['section_id']}", f"reference/{c['reference_id']}", f"{c['id']}:{c['number']}",
             number=c["number"], citation=c["id"], line=c["line_start"], marker=c["marker"])
    for e in _each(db, """select statement_id, citation_id, sites, role, role_reason, reference_id, work_id
                          from statement_citations
                          where reference_id is not null order by 1, 2, 6"""):
        edge("rests_on" if e["role"] == "evidence" else "background", f"statement/{e['statement_id']}",
             f"work/{e['work_id']}", f"{e['statement_id']}:{e['citation_id']}:{e['reference_id']}",
             citation=e["citation_id"], reference=e["reference_id"], sites=e["sites"], reason=e["role_reason"])
    for t in _each(db, "select * from trials order by id"):
        node("trial", t["id"], t["name"] or t["full_name"], "trials",
             {**_pick(t, "full_name", "registry_id", "design", "patients"), "name": t["name"] or t["full_name"]})
    for p in _each(db, "select trial_id, work_id, role from trial_publications order by 1, 2"):
        edge("reports_trial", f"work/{p['work_id']}", f"trial/{p['trial_id']}", p["trial_id"], role=p["role"])
    for r in _each(db, "select * from trial_results order by id"):
        value = "" if r["value"] is None else f"{r['value']:g}{r['unit'] or ''}"
        result = node("result", r["id"], f"{r['outcome']}, {r['time_point'] or ''}, {r['arm']}: "
                                         f"{value or r['finding']}", "trial_results",
                      _pick(r, "outcome", "time_point", "arm", "value", "unit", "p_value", "finding"), _span(r))
        edge("has_result", f"trial/{r['trial_id']}", result, r["id"], policy=r["policy_id"], line=r["line_start"])
    for s in _each(db, "select distinct trial_id, policy_id from trial_sources order by 1, 2"):
        edge("describes_trial", f"policy/{s['policy_id']}", f"trial/{s['trial_id']}", s["trial_id"])
    for gl in _each(db, "select * from guidelines order by id"):
        guideline = node("guideline", gl["id"], guideline_label(gl["body"], gl["topic"], gl["version"]), "guidelines",
                         _pick(gl, "body", "topic", "version"))
        if gl["work_id"]:
            edge("published_as", guideline, f"work/{gl['work_id']}", gl["id"])
    for m in _each(db, "select id, policy_id, guideline_id, source from guideline_mentions order by id"):
        edge("cites_guideline", f"policy/{m['policy_id']}", f"guideline/{m['guideline_id']}", m["id"],
             source=m["source"])
    for r in _each(db, "select * from guideline_recommendations where guideline_id is not null order by id"):
        recommendation = node("recommendation", r["id"], r["text"], "guideline_recommendations",
                              _pick(r, "text", "category", "level_of_recommendation", "level_of_evidence"), _span(r))
        edge("recommends", f"guideline/{r['guideline_id']}", recommendation, r["id"], category=r["category"],
             level_of_recommendation=r["level_of_recommendation"], level_of_evidence=r["level_of_evidence"])
    for r in _each(db, "select r.*, p.issuer from related_policies r join policies p on p.id = r.policy_id "
                       "order by r.id"):
        external = node("external_policy", f"{r['issuer'] or r['policy_id']}:{r['number'] or r['title']}",
                        r["title"] or r["number"], "related_policies", _pick(r, "title", "number"))
        edge("replaces" if r["relation"] == "replaces" else "related_to", f"policy/{r['policy_id']}", external,
             r["id"])
    for o in _each(db, "select * from policy_overlap order by policy_a, policy_b"):
        overlap = node("overlap", f"{o['policy_a']}~{o['policy_b']}", f"{o['policy_a']} ~ {o['policy_b']}",
                       "policy_overlap", _pick(o, "shared_works", "all_works", "jaccard"))
        for end in ("policy_a", "policy_b"):
            edge("overlap_of", overlap, f"policy/{o[end]}", end)
