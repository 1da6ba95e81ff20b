"""The evidence graph as RDF: a sink of the networkx model (kb/graph), mapped by three tables.

CLASSES gives each node type its RDF classes, PROPERTIES each fact a node carries its predicate, and
PREDICATES each edge type its predicate (some run against the edge: a statement dcterms:isPartOf
its policy). Vocabularies: CiTO for citation (cites, citesAsEvidence, citesAsAuthority), FaBiO for
kinds of publication, BIBO for PMID, DOI, volume and pages, DCTERMS for titles and dates, PROV-O
for provenance (each fact read from a document prov:wasDerivedFrom the range of lines it was read
from), schema.org for MedicalGuideline / MedicalTrial / MedicalCode, SKOS and MeSH IRIs for
indications. Works with a PMID use PubMed's own IRI; everything else lives under the project's
namespace.
"""
from __future__ import annotations

import urllib.parse

import networkx as nx
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from ..graph import load_graph

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

CLASSES = {
    "document": [PROV.Entity], "issuer": [SCHEMA.Organization], "policy": [KB.Policy], "section": [KB.Section],
    "statement": [KB.CoverageStatement], "criterion": [KB.Criterion], "indication": [SKOS.Concept, KB.Indication],
    "code": [SCHEMA.MedicalCode], "reference": [KB.ReferenceEntry], "work": [KB.Work], "trial": [SCHEMA.MedicalTrial],
    "result": [KB.TrialResult], "guideline": [SCHEMA.MedicalGuideline],
    "recommendation": [SCHEMA.MedicalGuidelineRecommendation], "external_policy": [KB.ExternalPolicy],
}
_WORK_KIND = {"article": FABIO.JournalArticle, "guideline": FABIO.ReportDocument, "other": FABIO.Expression}
# (node type, fact) -> predicate, or (predicate, datatype), or a function of the value giving the object
PROPERTIES = {
    ("document", "file"): DCTERMS.source, ("document", "sha256"): KB.sha256,
    ("document", "review_status"): KB.reviewStatus,
    ("issuer", "name"): SCHEMA.name,
    ("policy", "title"): DCTERMS.title, ("policy", "number"): DCTERMS.identifier,
    ("policy", "bcbsa_reference"): KB.bcbsaReference,
    ("section", "heading"): DCTERMS.title, ("section", "kind"): KB.sectionKind,
    ("statement", "indication"): KB.indicationText, ("statement", "status"): KB.status,
    ("statement", "status_text"): KB.statusText, ("statement", "logic"): KB.criteriaLogic,
    ("criterion", "text"): RDFS.label, ("criterion", "connective"): KB.connective,
    ("indication", "label"): SKOS.prefLabel, ("indication", "icd10"): KB.icd10,
    ("indication", "mesh_id"): (SKOS.exactMatch, lambda value: URIRef(MESH + value)),
    ("code", "code"): SCHEMA.codeValue, ("code", "system"): SCHEMA.codingSystem,
    ("work", "title"): DCTERMS.title, ("work", "pmid"): BIBO.pmid, ("work", "doi"): BIBO.doi,
    ("work", "volume"): BIBO.volume, ("work", "issue"): BIBO.issue, ("work", "pages"): BIBO.pages,
    ("work", "first_author"): KB.firstAuthor, ("work", "enrichment"): KB.enrichment,
    ("work", "year"): (DCTERMS.date, lambda value: Literal(str(value), datatype=XSD.gYear)),
    ("work", "kind"): (RDF.type, _WORK_KIND.get),
    ("reference", "number"): KB.number, ("reference", "raw"): DCTERMS.bibliographicCitation,
    ("trial", "name"): SCHEMA.name, ("trial", "full_name"): SCHEMA.alternateName,
    ("trial", "registry_id"): SCHEMA.identifier, ("trial", "design"): SCHEMA.description,
    ("trial", "patients"): KB.patients,
    ("result", "outcome"): KB.outcome, ("result", "time_point"): KB.timePoint, ("result", "arm"): KB.arm,
    ("result", "value"): (KB.value, lambda value: Literal(str(value), datatype=XSD.decimal)),
    ("result", "unit"): KB.unit, ("result", "p_value"): KB.pValue, ("result", "finding"): KB.finding,
    ("guideline", "topic"): SCHEMA.name, ("guideline", "version"): KB.version, ("guideline", "body"): KB.body,
    ("recommendation", "text"): SCHEMA.description,
    ("recommendation", "level_of_recommendation"): SCHEMA.recommendationStrength,
    ("recommendation", "level_of_evidence"): SCHEMA.evidenceLevel, ("recommendation", "category"): KB.category,
    ("external_policy", "title"): DCTERMS.title, ("external_policy", "number"): DCTERMS.identifier,
}
# edge type -> (predicate, True when the triple runs from the edge's head to its tail)
PREDICATES = {
    "derived_from": (PROV.wasDerivedFrom, False), "issued_by": (SCHEMA.publisher, False),
    "has_section": (KB.hasSection, False), "has_statement": (DCTERMS.isPartOf, True),
    "in_section": (KB.inSection, False), "has_criterion": (KB.criterion, False), "about": (KB.about, False),
    "broader": (SKOS.broader, False), "lists_code": (KB.listsCode, False), "covers_code": (KB.coversCode, False),
    "lists": (KB.lists, False), "cites_work": (CITO.cites, False), "cites": (KB.citesEntry, False),
    "is_work": (KB.refersTo, False), "rests_on": (CITO.citesAsEvidence, False),
    "background": (CITO.citesForInformation, False),
    "reports_trial": (SCHEMA.subjectOf, True), "has_result": (KB.result, False),
    "describes_trial": (KB.describesTrial, False), "cites_guideline": (CITO.citesAsAuthority, False),
    "published_as": (SCHEMA.subjectOf, False), "recommends": (KB.recommends, False),
    "replaces": (DCTERMS.replaces, False), "related_to": (DCTERMS.relation, False),
}


def iri(kind: str, row_id: str) -> URIRef:
    return ID[f"{kind}/{urllib.parse.quote(row_id, safe='')}"]


def work_iri(work_id: str) -> URIRef:
    return URIRef(PUBMED + work_id.removeprefix("pmid:") + "/") if work_id.startswith("pmid:") else iri("work", work_id)


def node_iri(data: dict) -> URIRef:
    return work_iri(data["row_id"]) if data["type"] == "work" else iri(data["type"], data["row_id"])


def _line_range(g: Graph, subject: URIRef, span: dict) -> None:
    """subject prov:wasDerivedFrom <document#Lstart-Lend>, a range of lines of the policy's document."""
    document = iri("document", span["policy"])
    lines = URIRef(f"{document}#L{span['line_start']}-L{span['line_end']}")
    g.add((subject, PROV.wasDerivedFrom, lines))
    g.add((lines, RDF.type, KB.LineRange))
    g.add((lines, DCTERMS.isPartOf, document))
    for key, predicate in (("line_start", KB.lineStart), ("line_end", KB.lineEnd), ("char_start", KB.charStart),
                           ("char_end", KB.charEnd)):
        if key in span:
            g.add((lines, predicate, Literal(span[key])))


def to_rdf(model: nx.MultiDiGraph) -> Graph:
    """Every node with its classes, facts and provenance, and every edge as its predicate."""
    g = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)
    for _, data in model.nodes(data=True):
        subject = node_iri(data)
        for rdf_class in CLASSES[data["type"]]:
            g.add((subject, RDF.type, rdf_class))
        if data["type"] not in ("document", "code", "issuer"):
            g.add((subject, KB.id, Literal(data["row_id"])))
        if data["type"] in ("statement", "section", "external_policy", "trial", "guideline"):
            g.add((subject, RDFS.label, Literal(data["label"])))
        for fact, value in data["props"].items():
            mapping = PROPERTIES[(data["type"], fact)]
            predicate, make = mapping if isinstance(mapping, tuple) else (mapping, Literal)
            term = make(value)
            if term is not None:
                g.add((subject, predicate, term))
        if "span" in data:
            _line_range(g, subject, data["span"])
    for tail, head, data in model.edges(data=True):
        predicate, inverse = PREDICATES[data["type"]]
        tail_iri, head_iri = node_iri(model.nodes[tail]), node_iri(model.nodes[head])
        g.add((head_iri, predicate, tail_iri) if inverse else (tail_iri, predicate, head_iri))
    return g


def build_rdf(conn) -> Graph:
    """The knowledge base's RDF, from the graph persisted in its nodes and edges tables."""
    return to_rdf(load_graph(conn))
