"""The knowledge base as RDF, generated from the SQLite store (the one source of truth).

Vocabularies: CiTO for citation (cites, citesAsEvidence, citesAsAuthority), FaBiO for kinds of
publication, BIBO for PMID, DOI, volume and pages, DCTERMS for titles and dates, PROV-O for
provenance (each extracted fact prov:wasDerivedFrom the line range of its document), schema.org
for MedicalGuideline / MedicalTrial / MedicalCode, SKOS and MeSH IRIs for indications. Works with
a PMID use PubMed's own IRI; everything else lives under the project's namespace.
"""
from __future__ import annotations

import sqlite3
import urllib.parse

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from ..store.read import rows

CITO = Namespace("http://purl.org/spar/cito/")
FABIO = Namespace("http://purl.org/spar/fabio/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
SCHEMA = Namespace("https://schema.org/")
KB = Namespace("https://w3id.org/cryo-kb/vocab#")
ID = Namespace("https://w3id.org/cryo-kb/id/")
PUBMED = "https://pubmed.ncbi.nlm.nih.gov/"
MESH = "http://id.nlm.nih.gov/mesh/"
PREFIXES = {"cito": CITO, "fabio": FABIO, "bibo": BIBO, "schema": SCHEMA, "kb": KB, "kbid": ID, "dcterms": DCTERMS,
            "prov": PROV, "skos": SKOS, "rdfs": RDFS, "xsd": XSD}
_KIND = {"article": FABIO.JournalArticle, "guideline": FABIO.ReportDocument, "other": FABIO.Expression}


def iri(kind: str, row_id: str) -> URIRef:
    return ID[f"{kind}/{urllib.parse.quote(row_id, safe='')}"]


def work_iri(work_id: str) -> URIRef:
    return URIRef(PUBMED + work_id.removeprefix("pmid:") + "/") if work_id.startswith("pmid:") else iri("work", work_id)


def build_rdf(conn: sqlite3.Connection) -> Graph:
    g = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)

    def add(s, p, o) -> None:
        if o is not None and o != "":
            g.add((s, p, o if isinstance(o, (URIRef, Literal)) else Literal(o)))

    def derived(subject, row, policy_id) -> None:
        """subject prov:wasDerivedFrom <document#Lstart-Lend>, a range of lines of the policy's document."""
        if row.get("line_start") is None:
            return
        span = URIRef(f"{iri('document', policy_id)}#L{row['line_start']}-L{row['line_end']}")
        add(subject, PROV.wasDerivedFrom, span)
        add(span, RDF.type, KB.LineRange)
        add(span, DCTERMS.isPartOf, iri("document", policy_id))
        add(span, KB.lineStart, Literal(row["line_start"]))
        add(span, KB.lineEnd, Literal(row["line_end"]))
        if row.get("char_start") is not None:
            add(span, KB.charStart, Literal(row["char_start"]))
            add(span, KB.charEnd, Literal(row["char_end"]))

    for p in rows(conn, "select * from policies"):
        policy, document = iri("policy", p["id"]), iri("document", p["id"])
        add(policy, RDF.type, KB.Policy)
        add(policy, KB.id, p["id"])
        add(policy, DCTERMS.title, p["title"])
        add(policy, DCTERMS.identifier, p["number"])
        add(policy, KB.bcbsaReference, p["bcbsa_reference"])
        add(policy, PROV.wasDerivedFrom, document)
        add(document, RDF.type, PROV.Entity)
        add(document, DCTERMS.source, p["file"])
        add(document, KB.sha256, p["sha256"])
        if p["issuer"]:
            issuer = iri("issuer", p["issuer"])
            add(issuer, RDF.type, SCHEMA.Organization)
            add(issuer, SCHEMA.name, p["issuer"])
            add(policy, SCHEMA.publisher, issuer)
    for i in rows(conn, "select * from indications"):
        node = iri("indication", i["id"])
        add(node, RDF.type, SKOS.Concept)
        add(node, RDF.type, KB.Indication)
        add(node, KB.id, i["id"])
        add(node, SKOS.prefLabel, i["label"])
        if i["mesh_id"]:
            add(node, SKOS.exactMatch, URIRef(MESH + i["mesh_id"]))
        if i["broader_id"]:
            add(node, SKOS.broader, iri("indication", i["broader_id"]))
        add(node, KB.icd10, i["icd10"])
    for s in rows(conn, "select * from statements"):
        node = iri("statement", s["id"])
        add(node, RDF.type, KB.CoverageStatement)
        add(node, KB.id, s["id"])
        add(node, DCTERMS.isPartOf, iri("policy", s["policy_id"]))
        add(node, KB.indicationText, s["indication"])
        add(node, KB.status, s["status"])
        add(node, KB.statusText, s["status_text"])
        add(node, KB.criteriaLogic, s["logic"])
        add(node, RDFS.label, f"{s['indication']}: {s['status']}")
        derived(node, s, s["policy_id"])
    for m in rows(conn, "select * from statement_indications"):
        add(iri("statement", m["statement_id"]), KB.about, iri("indication", m["indication_id"]))
    for c in rows(conn, "select * from criteria"):
        node = iri("criterion", c["id"])
        add(node, RDF.type, KB.Criterion)
        add(iri("criterion", c["parent_id"]) if c["parent_id"] else iri("statement", c["statement_id"]),
            KB.criterion, node)
        add(node, RDFS.label, c["text"])
        add(node, KB.connective, c["connective"])
        derived(node, c, c["policy_id"])
    for c in rows(conn, "select distinct system, code from codes union select system, code from statement_codes"):
        node = iri("code", f"{c['system']}:{c['code']}")
        add(node, RDF.type, SCHEMA.MedicalCode)
        add(node, SCHEMA.codeValue, c["code"])
        add(node, SCHEMA.codingSystem, c["system"])
    for c in rows(conn, "select * from codes"):
        add(iri("policy", c["policy_id"]), KB.listsCode, iri("code", f"{c['system']}:{c['code']}"))
    for c in rows(conn, "select * from statement_codes"):
        add(iri("statement", c["statement_id"]), KB.coversCode, iri("code", f"{c['system']}:{c['code']}"))
    for w in rows(conn, "select * from works"):
        node = work_iri(w["id"])
        add(node, RDF.type, KB.Work)
        add(node, KB.id, w["id"])
        add(node, RDF.type, _KIND[w["kind"]])
        add(node, DCTERMS.title, w["title"])
        add(node, BIBO.pmid, w["pmid"])
        add(node, BIBO.doi, w["doi"])
        add(node, BIBO.volume, w["volume"])
        add(node, BIBO.issue, w["issue"])
        add(node, BIBO.pages, w["pages"])
        add(node, KB.firstAuthor, w["first_author"])
        add(node, KB.enrichment, w["enrichment"])
        if w["year"]:
            add(node, DCTERMS.date, Literal(str(w["year"]), datatype=XSD.gYear))
    for r in rows(conn, "select * from policy_references"):
        node = iri("reference", r["id"])
        add(node, RDF.type, KB.ReferenceEntry)
        add(node, KB.id, r["id"])
        add(node, KB.number, r["number"])
        add(node, DCTERMS.bibliographicCitation, r["raw"])
        add(node, KB.refersTo, work_iri(r["work_id"]))
        add(iri("policy", r["policy_id"]), KB.lists, node)
        add(iri("policy", r["policy_id"]), CITO.cites, work_iri(r["work_id"]))
        derived(node, r, r["policy_id"])
    for e in rows(conn, """select distinct e.statement_id, r.work_id from statement_evidence e
                            join citation_targets t on t.citation_id = e.citation_id
                            join policy_references r on r.id = t.reference_id"""):
        add(iri("statement", e["statement_id"]), CITO.citesAsEvidence, work_iri(e["work_id"]))
    for t in rows(conn, "select * from trials"):
        node = iri("trial", t["id"])
        add(node, RDF.type, SCHEMA.MedicalTrial)
        add(node, KB.id, t["id"])
        add(node, SCHEMA.name, t["name"] or t["full_name"])
        add(node, SCHEMA.alternateName, t["full_name"])
        add(node, SCHEMA.identifier, t["registry_id"])
        add(node, SCHEMA.description, t["design"])
        add(node, KB.patients, t["patients"])
    for p in rows(conn, "select * from trial_publications"):
        add(iri("trial", p["trial_id"]), SCHEMA.subjectOf, work_iri(p["work_id"]))
    for r in rows(conn, "select * from trial_results"):
        node = iri("result", r["id"])
        add(node, RDF.type, KB.TrialResult)
        add(iri("trial", r["trial_id"]), KB.result, node)
        add(node, KB.outcome, r["outcome"])
        add(node, KB.timePoint, r["time_point"])
        add(node, KB.arm, r["arm"])
        if r["value"] is not None:
            add(node, KB.value, Literal(str(r["value"]), datatype=XSD.decimal))
        add(node, KB.unit, r["unit"])
        add(node, KB.pValue, r["p_value"])
        add(node, KB.finding, r["finding"])
        derived(node, r, r["policy_id"])
    for gl in rows(conn, "select * from guidelines"):
        node = iri("guideline", gl["id"])
        add(node, RDF.type, SCHEMA.MedicalGuideline)
        add(node, SCHEMA.name, gl["topic"])
        add(node, KB.version, gl["version"])
        add(node, KB.body, gl["body"])
        if gl["work_id"]:
            add(node, SCHEMA.subjectOf, work_iri(gl["work_id"]))
    for m in rows(conn, "select distinct policy_id, guideline_id from guideline_mentions"):
        add(iri("policy", m["policy_id"]), CITO.citesAsAuthority, iri("guideline", m["guideline_id"]))
    for r in rows(conn, "select * from guideline_recommendations where guideline_id is not null"):
        node = iri("recommendation", r["id"])
        add(node, RDF.type, SCHEMA.MedicalGuidelineRecommendation)
        add(iri("guideline", r["guideline_id"]), KB.recommends, node)
        add(node, SCHEMA.description, r["text"])
        add(node, SCHEMA.recommendationStrength, r["level_of_recommendation"])
        add(node, SCHEMA.evidenceLevel, r["level_of_evidence"])
        add(node, KB.category, r["category"])
        derived(node, r, r["policy_id"])
    return g
