"""The evidence graph as RDF: a sink of the graph model (kb/graph) as its nodes and edges tables hold it,
mapped by three tables.

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

import json
import re
import urllib.parse
from collections.abc import Iterator

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD
from rdflib.plugins.serializers.nt import _quoteLiteral

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
    "overlap": [KB.PolicyOverlap],
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
    ("overlap", "shared_works"): KB.sharedWorks, ("overlap", "all_works"): KB.allWorks,
    ("overlap", "jaccard"): (KB.jaccard, lambda value: Literal(str(value), datatype=XSD.decimal)),
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
    "overlap_of": (KB.policy, False),
}


_PLAIN_ID = re.compile(r"[A-Za-z0-9_.~:-]*")


def _quote(row_id: str) -> str:
    """urllib.parse.quote(row_id, safe=""), at once for the common ids (letters, digits, colons)."""
    return row_id.replace(":", "%3A") if _PLAIN_ID.fullmatch(row_id) else urllib.parse.quote(row_id, safe="")


def iri(kind: str, row_id: str) -> URIRef:
    return ID[f"{kind}/{_quote(row_id)}"]


def work_iri(work_id: str) -> URIRef:
    return URIRef(PUBMED + work_id.removeprefix("pmid:") + "/") if work_id.startswith("pmid:") else iri("work", work_id)


def node_iri(data: dict) -> URIRef:
    return work_iri(data["row_id"]) if data["type"] == "work" else iri(data["type"], data["row_id"])


_INTEGER = f"^^<{XSD.integer}>"


def _nt(term) -> str:
    """A term in N-Triples, as rdflib writes it: IRIs and plain strings and integers here, fast; the few
    other literals (years, decimals) by rdflib."""
    if type(term) is str:
        return '"' + term.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r") + '"'
    if type(term) is int:
        return f'"{term}"{_INTEGER}'
    if isinstance(term, URIRef):
        return f"<{term}>"
    return _quoteLiteral(term if isinstance(term, Literal) else Literal(term))


def _subject(node_type: str, row_id: str) -> str:
    """node_iri in N-Triples, without building the rdflib term."""
    if node_type == "work" and row_id.startswith("pmid:"):
        return f"<{PUBMED}{row_id[5:]}/>"
    return f"<{ID}{node_type}/{_quote(row_id)}>"


_A = _nt(RDF.type)
_CLASS_LINES = {node_type: [f" {_A} {_nt(c)} .\n" for c in classes] for node_type, classes in CLASSES.items()}
_PROPERTY_NT = {key: (_nt(mapping[0]), mapping[1]) if isinstance(mapping, tuple) else (_nt(mapping), None)
                for key, mapping in PROPERTIES.items()}
_ID, _LABEL, _DERIVED, _PART_OF = _nt(KB.id), _nt(RDFS.label), _nt(PROV.wasDerivedFrom), _nt(DCTERMS.isPartOf)
_LINE_RANGE = f" {_A} {_nt(KB.LineRange)} .\n"
_SPAN_PREDICATES = (("line_start", _nt(KB.lineStart)), ("line_end", _nt(KB.lineEnd)),
                    ("char_start", _nt(KB.charStart)), ("char_end", _nt(KB.charEnd)))


def _node_lines(node_id: str, label: str, facts: dict) -> Iterator[str]:
    """A node's classes, facts and provenance (prov:wasDerivedFrom the range of lines it was read from)."""
    node_type, row_id = node_id.split("/", 1)
    subject = _subject(node_type, row_id)
    for line in _CLASS_LINES[node_type]:
        yield subject + line
    if node_type not in ("document", "code", "issuer"):
        yield f"{subject} {_ID} {_nt(row_id)} .\n"
    if node_type in ("statement", "section", "external_policy", "trial", "guideline"):
        yield f"{subject} {_LABEL} {_nt(label)} .\n"
    for fact, value in facts["props"].items():
        predicate, make = _PROPERTY_NT[(node_type, fact)]
        term = make(value) if make else value
        if term is not None:
            yield f"{subject} {predicate} {_nt(term)} .\n"
    span = facts.get("span")
    if span:
        document = _subject("document", span["policy"])
        lines = f"{document[:-1]}#L{span['line_start']}-L{span['line_end']}>"
        yield f"{subject} {_DERIVED} {lines} .\n"
        yield lines + _LINE_RANGE
        yield f"{lines} {_PART_OF} {document} .\n"
        for key, predicate in _SPAN_PREDICATES:
            if key in span:
                yield f"{lines} {predicate} {_nt(span[key])} .\n"


def _end(node_id: str) -> str:
    return _subject(*node_id.split("/", 1))


def ntriples(conn) -> Iterator[str]:
    """The knowledge base's RDF as N-Triples lines, read row by row from the graph persisted in its nodes and
    edges tables (node ids are "<type>/<row id>"): every node with its classes, facts and provenance, every
    edge as its predicate. A triple may come twice; RDF stores keep one. The rows are read as stored, in no
    order an RDF graph would keep: read by id, through the index, at 10,000 policies the edges alone took ~50 s."""
    for node_id, label, attributes in conn.execute("select id, label, attributes from nodes"):
        yield from _node_lines(node_id, label, json.loads(attributes))
    predicates = {kind: (_nt(predicate), inverse) for kind, (predicate, inverse) in PREDICATES.items()}
    for source, target, kind in conn.execute("select source, target, type from edges"):
        predicate, inverse = predicates[kind]
        tail, head = _end(source), _end(target)
        yield f"{head} {predicate} {tail} .\n" if inverse else f"{tail} {predicate} {head} .\n"


def build_rdf(conn) -> Graph:
    """The knowledge base's RDF as an rdflib graph, with the prefixes bound (for export and tests)."""
    g = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)
    g.parse(data="".join(ntriples(conn)), format="nt")
    return g
