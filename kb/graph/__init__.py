"""The evidence graph: a networkx MultiDiGraph built from the store, persisted as nodes and edges.

Node ids are "<type>/<row id>" so that, say, a work and a guideline with the same PMID stay two
nodes. Edges carry their type, the row they come from and a few attributes (reference number,
section, status); `load_graph` reads the persisted tables back into the same graph.
"""
from __future__ import annotations

import json

import networkx as nx
import sqlite_utils

from ..store.read import rows

NODE_TYPES = ("issuer", "policy", "section", "statement", "criterion", "indication", "code", "reference", "work",
              "trial", "result", "guideline", "recommendation", "external_policy")
EDGE_TYPES = {
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
    "cites": "section → a reference its in-text citation names (number, marker, line)",
    "is_work": "reference → the work it cites (match method and score)",
    "rests_on": "statement → a reference cited in the passages about the same site",
    "reports_trial": "work → the trial it reports",
    "has_result": "trial → a result a policy reports for it",
    "describes_trial": "policy → a trial it names or describes",
    "cites_guideline": "policy → a guideline it names (in its references or text)",
    "recommends": "guideline → a recommendation a policy quotes (with its level)",
    "replaces": "policy → the policy it replaces",
    "related_to": "policy → a policy it names as related",
}


def build_graph(db: sqlite_utils.Database) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()

    def node(node_type: str, row_id: str, label: str | None, table: str) -> str:
        node_id = f"{node_type}/{row_id}"
        g.add_node(node_id, type=node_type, label=(label or row_id)[:200], row_id=row_id, table=table)
        return node_id

    def edge(edge_type: str, tail: str, head: str, key: str, **attrs) -> None:
        g.add_edge(tail, head, key=f"{edge_type}:{key}", type=edge_type,
                   **{k: v for k, v in attrs.items() if v is not None})

    for p in rows(db, "select id, title, issuer from policies order by id"):
        policy = node("policy", p["id"], p["title"], "policies")
        if p["issuer"]:
            edge("issued_by", policy, node("issuer", p["issuer"], p["issuer"], "policies"), p["id"])
    for s in rows(db, "select id, policy_id, parent_id, path, heading, kind from sections order by id"):
        section = node("section", s["id"], s["path"] or s["heading"], "sections")
        parent = f"section/{s['parent_id']}" if s["parent_id"] else f"policy/{s['policy_id']}"
        edge("has_section", parent, section, s["id"], kind=s["kind"])
    for s in rows(db, "select id, policy_id, section_id, indication, status from statements order by id"):
        statement = node("statement", s["id"], f"{s['indication']}: {s['status']}", "statements")
        edge("has_statement", f"policy/{s['policy_id']}", statement, s["id"], status=s["status"])
        edge("in_section", statement, f"section/{s['section_id']}", s["id"])
    for c in rows(db, "select id, statement_id, parent_id, text, connective from criteria order by id"):
        criterion = node("criterion", c["id"], c["text"], "criteria")
        parent = f"criterion/{c['parent_id']}" if c["parent_id"] else f"statement/{c['statement_id']}"
        edge("has_criterion", parent, criterion, c["id"], connective=c["connective"])
    for i in rows(db, "select id, label, broader_id from indications order by id"):
        node("indication", i["id"], i["label"], "indications")
    for i in rows(db, "select id, broader_id from indications where broader_id is not null order by id"):
        edge("broader", f"indication/{i['id']}", f"indication/{i['broader_id']}", i["id"])
    for m in rows(db, "select * from statement_indications order by statement_id, indication_id"):
        edge("about", f"statement/{m['statement_id']}", f"indication/{m['indication_id']}", m["statement_id"],
             matched_text=m["matched_text"])
    for c in rows(db, "select id, policy_id, system, code, description, status from codes order by id"):
        code = node("code", f"{c['system']}:{c['code']}", f"{c['system']} {c['code']}", "codes")
        edge("lists_code", f"policy/{c['policy_id']}", code, c["id"], status=c["status"])
    for c in rows(db, "select statement_id, system, code from statement_codes order by 1, 2, 3"):
        code = node("code", f"{c['system']}:{c['code']}", f"{c['system']} {c['code']}", "codes")
        edge("covers_code", f"statement/{c['statement_id']}", code, c["statement_id"])
    for w in rows(db, "select id, first_author, year, title from works order by id"):
        node("work", w["id"], f"{w['first_author']} {w['year'] or ''}: {w['title'] or ''}", "works")
    for r in rows(db, """select id, policy_id, number, first_author, year, work_id, match_method, match_score
                          from policy_references order by id"""):
        reference = node("reference", r["id"], f"{r['first_author']} {r['year'] or ''} (#{r['number']})",
                         "policy_references")
        edge("lists", f"policy/{r['policy_id']}", reference, r["id"], number=r["number"])
        edge("is_work", reference, f"work/{r['work_id']}", r["id"], method=r["match_method"], score=r["match_score"])
    for c in rows(db, """select c.id, c.section_id, c.line_start, c.marker, t.number, t.reference_id
                          from citations c join citation_targets t on t.citation_id = c.id
                          where t.reference_id is not null order by c.id, t.number"""):
        edge("cites", f"section/{c['section_id']}", f"reference/{c['reference_id']}", f"{c['id']}:{c['number']}",
             number=c["number"], citation=c["id"], line=c["line_start"], marker=c["marker"])
    for e in rows(db, """select e.statement_id, e.citation_id, e.sites, t.reference_id from statement_evidence e
                          join citation_targets t on t.citation_id = e.citation_id
                          where t.reference_id is not null order by 1, 2, 4"""):
        edge("rests_on", f"statement/{e['statement_id']}", f"reference/{e['reference_id']}",
             f"{e['statement_id']}:{e['citation_id']}:{e['reference_id']}", citation=e["citation_id"], sites=e["sites"])
    for t in rows(db, "select id, name, full_name from trials order by id"):
        node("trial", t["id"], t["name"] or t["full_name"], "trials")
    for p in rows(db, "select trial_id, work_id, role from trial_publications order by 1, 2"):
        edge("reports_trial", f"work/{p['work_id']}", f"trial/{p['trial_id']}", p["trial_id"], role=p["role"])
    for r in rows(db, "select * from trial_results order by id"):
        value = "" if r["value"] is None else f"{r['value']:g}{r['unit'] or ''}"
        result = node("result", r["id"], f"{r['outcome']}, {r['time_point'] or ''}, {r['arm']}: "
                                         f"{value or r['finding']}", "trial_results")
        edge("has_result", f"trial/{r['trial_id']}", result, r["id"], policy=r["policy_id"], line=r["line_start"])
    for s in rows(db, "select distinct trial_id, policy_id from trial_sources order by 1, 2"):
        edge("describes_trial", f"policy/{s['policy_id']}", f"trial/{s['trial_id']}", s["trial_id"])
    for gl in rows(db, "select id, body, topic, version from guidelines order by id"):
        node("guideline", gl["id"], " ".join(str(x) for x in (gl["body"], gl["topic"], gl["version"]) if x),
             "guidelines")
    for m in rows(db, "select id, policy_id, guideline_id, source from guideline_mentions order by id"):
        edge("cites_guideline", f"policy/{m['policy_id']}", f"guideline/{m['guideline_id']}", m["id"],
             source=m["source"])
    for r in rows(db, """select id, guideline_id, text, category, level_of_recommendation, level_of_evidence
                          from guideline_recommendations where guideline_id is not null order by id"""):
        recommendation = node("recommendation", r["id"], r["text"], "guideline_recommendations")
        edge("recommends", f"guideline/{r['guideline_id']}", recommendation, r["id"], category=r["category"],
             level_of_recommendation=r["level_of_recommendation"], level_of_evidence=r["level_of_evidence"])
    for r in rows(db, "select r.*, p.issuer from related_policies r join policies p on p.id = r.policy_id "
                       "order by r.id"):
        external = node("external_policy", f"{r['issuer'] or r['policy_id']}:{r['number'] or r['title']}",
                        r["title"] or r["number"], "related_policies")
        edge("replaces" if r["relation"] == "replaces" else "related_to", f"policy/{r['policy_id']}", external,
             r["id"])
    return g


def graph_rows(g: nx.MultiDiGraph) -> tuple[list[dict], list[dict]]:
    nodes = [{"id": n, "type": d["type"], "label": d["label"], "row_id": d["row_id"], "source_table": d["table"],
              "degree": g.degree(n)} for n, d in sorted(g.nodes(data=True))]
    edges = []
    for source, target, key, data in sorted(g.edges(keys=True, data=True)):
        attrs = {k: v for k, v in data.items() if k != "type"}
        edges.append({"id": f"{source}|{key}|{target}", "source": source, "target": target, "type": data["type"],
                      "attributes": json.dumps(attrs, sort_keys=True, ensure_ascii=False)})
    return nodes, edges


def load_graph(db: sqlite_utils.Database) -> nx.MultiDiGraph:
    """The graph as persisted in the nodes and edges tables."""
    g = nx.MultiDiGraph()
    for n in db["nodes"].rows:
        g.add_node(n["id"], type=n["type"], label=n["label"], row_id=n["row_id"], table=n["source_table"])
    for e in db["edges"].rows:
        key = e["id"].split("|")[1]
        g.add_edge(e["source"], e["target"], key=key, type=e["type"], **json.loads(e["attributes"]))
    return g


def edge_views() -> dict[str, str]:
    """One view per edge type, with the labels of both ends."""
    return {f"graph_{kind}": f"""
        select e.source, s.label as source_label, e.target, t.label as target_label, e.attributes
        from edges e join nodes s on s.id = e.source join nodes t on t.id = e.target
        where e.type = '{kind}' order by e.source, e.target""" for kind in EDGE_TYPES}
