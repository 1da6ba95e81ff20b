"""Guidelines as nodes: each mention (a reference entry or a passage) joined to one guideline.

A reference entry that is a guideline is its work. A passage naming a guideline joins the
reference its own citation marker points to, if that is a guideline of the same body; else a
guideline of the same body and version that the policy lists; else it stands as its own node.
Quoted recommendations follow the mention they belong to.
"""
from __future__ import annotations

from collections import defaultdict

from ..text import slug


def resolve_guidelines(tables: dict[str, list[dict]]) -> list[dict]:
    refs = {r["id"]: r for r in tables["policy_references"]}
    nodes: dict[str, dict] = {}

    def node(node_id: str, mention: dict, work_id: str | None) -> str:
        nodes.setdefault(node_id, {"id": node_id, "body": mention["body"], "kind": mention["kind"],
                                   "topic": mention["topic"], "version": mention["version"],
                                   "year": mention["year"], "work_id": work_id, "policies": set()})
        nodes[node_id]["policies"].add(mention["policy_id"])
        return node_id

    mentions = tables["guideline_mentions"]
    for mention in mentions:
        if mention["source"] == "reference":
            work_id = refs[mention["reference_id"]]["work_id"]
            mention["guideline_id"] = node(work_id, mention, work_id)
    cited_on_line: dict[tuple, list[str]] = defaultdict(list)
    citation_line = {c["id"]: (c["policy_id"], c["line_start"]) for c in tables["citations"]}
    for target in tables["citation_targets"]:
        if target["reference_id"]:
            cited_on_line[citation_line[target["citation_id"]]].append(target["reference_id"])
    listed: dict[tuple, list[str]] = defaultdict(list)  # a policy's listed guidelines by body and version
    for m in mentions:
        if m["source"] == "reference":
            listed[(m["policy_id"], m["body"], m["version"])].append(m["guideline_id"])
    for mention in mentions:
        if mention["source"] != "text":
            continue
        cited = [refs[r]["work_id"] for r in cited_on_line[(mention["policy_id"], mention["line_start"])]]
        same_body = [w for w in cited if w in nodes and nodes[w]["body"] == mention["body"]]
        if not same_body and mention["version"]:
            same_body = listed.get((mention["policy_id"], mention["body"], mention["version"]), [])
        if same_body:
            mention["guideline_id"] = node(same_body[0], mention, nodes[same_body[0]]["work_id"])
        else:
            key = "guideline:" + slug(mention["body"], mention["topic"], mention["version"] or mention["year"])
            mention["guideline_id"] = node(key, mention, None)
    guideline_of = {m["id"]: m["guideline_id"] for m in mentions}
    for recommendation in tables["guideline_recommendations"]:
        recommendation["guideline_id"] = guideline_of.get(recommendation["mention_id"])
    return [{**{k: v for k, v in n.items() if k != "policies"}, "n_policies": len(n["policies"])}
            for _, n in sorted(nodes.items())]
