"""The evidence graph, the one model of nodes and edges: for each kind of node and edge, the SQL that reads them
from the store. kb/graph/sqlite.py runs it at build time into the `nodes` and `edges` tables; the networkx
graph (load_graph), the RDF graph (kb/rdf/mapping.py) and the graph views are all read from those tables,
so they cannot disagree on what links to what. Written as SQL because SQLite makes the rows, labels and JSON
facts in C: the same model as a Python loop over the rows took ~12 s at 1,000 policies.

Node ids are "<type>/<row id>" so that, say, a work and a guideline with the same PMID stay two
nodes. Each node carries its type, a label, the row it stands for, the facts every sink needs
(`props`, the row's non-empty columns) and, for facts read from a document, where they were read (`span`:
policy, lines and characters). Each edge carries its type and a few attributes (reference number, section,
status). A node or edge read again (a code every policy lists) takes the data read last.
"""
from __future__ import annotations

from dataclasses import dataclass, field


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


def _object(members: dict[str, str]) -> str:
    """A JSON object of these members (name -> SQL expression), keys sorted; json_patch leaves out the null
    members (a column with no value is no fact)."""
    pairs = ", ".join(f"'{name}', {members[name]}" for name in sorted(members))
    return f"json_patch('{{}}', json_object({pairs}))"


def _columns(*columns: str) -> dict[str, str]:
    """The facts a row states in these columns; an empty text states nothing."""
    return {column: f"nullif({column}, '')" for column in columns}


_SPAN = ("case when line_start is null then null else json_object('char_end', nullif(char_end, ''), 'char_start', "
         "nullif(char_start, ''), 'line_end', nullif(line_end, ''), 'line_start', line_start, 'policy', policy_id) end")


@dataclass(frozen=True)
class Nodes:
    """The nodes of one type: one per row of `rows` (SQL after FROM), with these row id, label and facts."""
    type: str
    table: str  # the store table a node stands for
    rows: str
    row_id: str
    label: str
    props: dict[str, str]
    span: bool = False  # read from a document: where (the row's policy_id, lines and characters)

    def select(self) -> str:
        attributes = _object({"props": _object(self.props), **({"span": _SPAN} if self.span else {})})
        return (f"select '{self.type}/' || ({self.row_id}), '{self.type}', "
                f"substr(coalesce(nullif({self.label}, ''), {self.row_id}), 1, 200), {self.row_id}, '{self.table}', "
                f"{attributes} from {self.rows}")


@dataclass(frozen=True)
class Edges:
    """The edges of one type: one per row of `rows`, from the node `tail` to the node `head` (SQL giving node ids),
    keyed by `key` among the edges of this type between the two."""
    type: str
    rows: str
    tail: str
    head: str
    key: str
    attributes: dict[str, str] = field(default_factory=dict)

    def select(self) -> str:
        return (f"select tail || '|' || key || '|' || head, tail, key, head, '{self.type}', attributes from ("
                f"select {self.tail} as tail, '{self.type}:' || ({self.key}) as key, {self.head} as head, "
                f"{_object(self.attributes)} as attributes from {self.rows})")


_CODE = "system || ':' || code"
_EXTERNAL = "coalesce(nullif(p.issuer, ''), r.policy_id) || ':' || coalesce(nullif(r.number, ''), r.title, '')"
_RESULT_VALUE = "case when value is null then '' else printf('%g', value) || coalesce(unit, '') end"

NODES = (
    Nodes("policy", "policies", "policies order by id", "id", "title", _columns("title", "number", "bcbsa_reference")),
    Nodes("document", "policies", "policies order by id", "id", "file", _columns("file", "sha256", "review_status")),
    Nodes("issuer", "policies", "policies where issuer != '' order by id", "issuer", "issuer",
          {"name": "issuer"}),
    Nodes("section", "sections", "sections order by id", "id", "coalesce(nullif(path, ''), heading)",
          _columns("heading", "kind"), span=True),
    Nodes("statement", "statements", "statements order by id", "id",
          "coalesce(indication, '') || ': ' || coalesce(status, '')",
          _columns("indication", "status", "status_text", "logic"), span=True),
    Nodes("criterion", "criteria", "criteria order by id", "id", "text", _columns("text", "connective"), span=True),
    Nodes("indication", "indications", "indications order by id", "id", "label",
          _columns("label", "mesh_id", "icd10")),
    Nodes("code", "codes", "codes order by id", _CODE, "system || ' ' || code", _columns("system", "code")),
    Nodes("code", "codes", "statement_codes order by statement_id, system, code", _CODE, "system || ' ' || code",
          _columns("system", "code")),
    Nodes("work", "works", "works order by id", "id",
          "coalesce(first_author, '') || ' ' || coalesce(nullif(year, 0), '') || ': ' || coalesce(title, '')",
          _columns("kind", "title", "pmid", "doi", "volume", "issue", "pages", "first_author", "year", "enrichment")),
    Nodes("reference", "policy_references", "policy_references order by id", "id",
          "coalesce(first_author, '') || ' ' || coalesce(nullif(year, 0), '') || coalesce(' (#' || number || ')', '')",
          _columns("number", "raw"), span=True),
    Nodes("trial", "trials", "trials order by id", "id", "coalesce(nullif(name, ''), full_name)",
          {**_columns("full_name", "registry_id", "design", "patients"), "name": "coalesce(nullif(name, ''), full_name)"}),
    Nodes("result", "trial_results", "trial_results order by id", "id",
          f"outcome || ', ' || coalesce(time_point, '') || ', ' || arm || ': ' || "
          f"coalesce(nullif({_RESULT_VALUE}, ''), finding)",
          _columns("outcome", "time_point", "arm", "value", "unit", "p_value", "finding"), span=True),
    Nodes("guideline", "guidelines", "guidelines order by id", "id", "guideline_label(body, topic, version)",
          _columns("body", "topic", "version")),
    Nodes("recommendation", "guideline_recommendations",
          "guideline_recommendations where guideline_id is not null order by id", "id", "text",
          _columns("text", "category", "level_of_recommendation", "level_of_evidence"), span=True),
    Nodes("external_policy", "related_policies",
          "related_policies r join policies p on p.id = r.policy_id order by r.id", _EXTERNAL,
          "coalesce(nullif(r.title, ''), r.number)", {"title": "nullif(r.title, '')", "number": "nullif(r.number, '')"}),
    Nodes("overlap", "policy_overlap", "policy_overlap order by policy_a, policy_b", "policy_a || '~' || policy_b",
          "policy_a || ' ~ ' || policy_b", _columns("shared_works", "all_works", "jaccard")),
)

EDGES = (
    Edges("derived_from", "policies order by id", "'policy/' || id", "'document/' || id", "id"),
    Edges("issued_by", "policies where issuer != '' order by id", "'policy/' || id", "'issuer/' || issuer", "id"),
    Edges("has_section", "sections order by id",
          "case when parent_id != '' then 'section/' || parent_id else 'policy/' || policy_id end", "'section/' || id",
          "id", {"kind": "kind"}),
    Edges("has_statement", "statements order by id", "'policy/' || policy_id", "'statement/' || id", "id",
          {"status": "status"}),
    Edges("in_section", "statements order by id", "'statement/' || id", "'section/' || section_id", "id"),
    Edges("has_criterion", "criteria order by id",
          "case when parent_id != '' then 'criterion/' || parent_id else 'statement/' || statement_id end",
          "'criterion/' || id", "id", {"connective": "connective"}),
    Edges("broader", "indications where broader_id is not null order by id", "'indication/' || id",
          "'indication/' || broader_id", "id"),
    Edges("about", "statement_indications order by statement_id, indication_id", "'statement/' || statement_id",
          "'indication/' || indication_id", "statement_id", {"matched_text": "matched_text"}),
    Edges("lists_code", "codes order by id", "'policy/' || policy_id", f"'code/' || {_CODE}", "id",
          {"status": "status"}),
    Edges("covers_code", "statement_codes order by statement_id, system, code", "'statement/' || statement_id", f"'code/' || {_CODE}",
          "statement_id"),
    Edges("lists", "policy_references order by id", "'policy/' || policy_id", "'reference/' || id", "id",
          {"number": "number"}),
    Edges("is_work", "policy_references order by id", "'reference/' || id", "'work/' || work_id", "id",
          {"method": "match_method", "score": "match_score"}),
    Edges("cites_work", "policy_references order by id", "'policy/' || policy_id", "'work/' || work_id", "id",
          {"reference": "id"}),
    Edges("cites", "citations c join citation_targets t on t.citation_id = c.id where t.reference_id is not null "
                   "order by c.id, t.number",
          "'section/' || c.section_id", "'reference/' || t.reference_id", "c.id || ':' || t.number",
          {"number": "t.number", "citation": "c.id", "line": "c.line_start", "marker": "c.marker"}),
    *(Edges(kind, f"statement_citations where reference_id is not null and role {test} 'evidence' "
                   "order by statement_id, citation_id, reference_id",
            "'statement/' || statement_id", "'work/' || work_id",
            "statement_id || ':' || citation_id || ':' || reference_id",
            {"citation": "citation_id", "reference": "reference_id", "sites": "sites", "reason": "role_reason"})
      for kind, test in (("rests_on", "="), ("background", "is not"))),
    Edges("reports_trial", "trial_publications order by trial_id, work_id", "'work/' || work_id", "'trial/' || trial_id",
          "trial_id", {"role": "role"}),
    Edges("has_result", "trial_results order by id", "'trial/' || trial_id", "'result/' || id", "id",
          {"policy": "policy_id", "line": "line_start"}),
    Edges("describes_trial", "(select distinct trial_id, policy_id from trial_sources order by 1, 2)",
          "'policy/' || policy_id", "'trial/' || trial_id", "trial_id"),
    Edges("published_as", "guidelines where work_id != '' order by id", "'guideline/' || id", "'work/' || work_id",
          "id"),
    Edges("cites_guideline", "guideline_mentions order by id", "'policy/' || policy_id",
          "'guideline/' || guideline_id", "id", {"source": "source"}),
    Edges("recommends", "guideline_recommendations where guideline_id is not null order by id",
          "'guideline/' || guideline_id", "'recommendation/' || id", "id",
          {"category": "category", "level_of_recommendation": "level_of_recommendation",
           "level_of_evidence": "level_of_evidence"}),
    *(Edges(kind, f"related_policies r join policies p on p.id = r.policy_id where r.relation {test} 'replaces' "
                  "order by r.id", "'policy/' || r.policy_id", f"'external_policy/' || {_EXTERNAL}", "r.id")
      for kind, test in (("replaces", "="), ("related_to", "is not"))),
    *(Edges("overlap_of", "policy_overlap order by policy_a, policy_b", "'overlap/' || policy_a || '~' || policy_b",
            f"'policy/' || {end}", f"'{end}'") for end in ("policy_a", "policy_b")),
)

