"""The knowledge base's tables: columns and types, keys, indexes and full-text search.

Column descriptions for reviewers live in metadata.yml; tests check the two agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field

SPAN = "line_start:int line_end:int char_start:int char_end:int"
# Rows read from a document sort in document order: by policy, then line and character. Their ids
# ("<policy>:reference:10") sort as text, reference 10 before 2, so these tables get a generated column
# sort_key, which metadata.yml makes Datasette's default sort.
DOCUMENT_ORDER = "policy_id || printf(':%08d:%08d', coalesce(line_start, 0), coalesce(char_start, 0))"


@dataclass(frozen=True)
class Table:
    pk: str | tuple[str, ...]
    columns: str  # "name:type ..." with type one of int, float, str
    foreign_keys: list[tuple] = field(default_factory=list)  # (column, table) to its id, or (column, table, column)
    indexes: list[str] = field(default_factory=list)
    fts: list[str] = field(default_factory=list)
    sort_key: str | None = None  # SQL of a generated column "sort_key" the table sorts by (DOCUMENT_ORDER)

    def __post_init__(self):
        if self.sort_key:  # Datasette orders every page of the table by it: read from an index, not sorted each time
            self.indexes.append("sort_key")

    @property
    def references(self) -> list[tuple[str, str, str]]:
        return [(fk[0], fk[1], fk[2] if len(fk) > 2 else "id") for fk in self.foreign_keys]

    @property
    def column_types(self) -> dict[str, type]:
        types = {"int": int, "float": float, "str": str}
        return {name: types[kind] for name, kind in (c.split(":") for c in self.columns.split())}



def columns_disagree(table: str, row, columns) -> ValueError:
    """The error for a row (a dict, or a held row) whose columns are not its table's: the ones that differ."""
    return ValueError(f"{table}: row columns {sorted(set(row) ^ set(columns))} disagree with the schema")

TABLES: dict[str, Table] = {
    "guideline_bodies": Table("id", "id:str name:str"),
    "policies": Table("id", "id:str title:str number:str bcbsa_reference:str issuer:str issuer_evidence:str "
                            "issuer_line:int issuer_note:str file:str original_name:str sha256:str reviewed_sha256:str "
                            "review_status:str n_lines:int text:str title_line:int original:str "
                            "original_sha256:str added:str", indexes=["issuer"]),
    "lines": Table(("policy_id", "n"), "policy_id:str n:int text:str origin:str", [("policy_id", "policies")],
                   fts=["text"]),
    "policy_fields": Table("id", "id:str policy_id:str label:str value:str date:str context:str " + SPAN,
                           [("policy_id", "policies")], ["label"], sort_key=DOCUMENT_ORDER),
    "sections": Table("id", "id:str policy_id:str number:int parent_id:str level:int heading:str path:str "
                            "kind:str " + SPAN, [("policy_id", "policies"), ("parent_id", "sections")], ["kind"],
                            sort_key=DOCUMENT_ORDER),
    "statements": Table("id", "id:str policy_id:str section_id:str ordinal:int label:str indication:str status:str "
                              "status_text:str logic:str line_of_business:str lead_in:str text:str " + SPAN,
                        [("policy_id", "policies"), ("section_id", "sections")], ["status", "indication"],
                        ["text", "indication", "lead_in"], sort_key=DOCUMENT_ORDER),
    "criteria": Table("id", "id:str statement_id:str policy_id:str ordinal:int label:str parent_id:str kind:str "
                            "text:str connective:str logic:str " + SPAN,
                      [("statement_id", "statements"), ("policy_id", "policies"), ("parent_id", "criteria")],
                      fts=["text"], sort_key=DOCUMENT_ORDER),
    "thresholds": Table("id", "id:str criterion_id:str subject:str comparator:str comparator_text:str "
                              "value:float unit:str", [("criterion_id", "criteria")]),
    "codes": Table("id", "id:str policy_id:str section_id:str system:str code:str description:str status:str "
                         "status_text:str " + SPAN, [("policy_id", "policies"), ("section_id", "sections")],
                   ["code", "status"], sort_key=DOCUMENT_ORDER),
    "statement_codes": Table(("statement_id", "code"), "statement_id:str system:str code:str",
                             [("statement_id", "statements")], ["code"]),
    "code_notes": Table("id", "id:str policy_id:str system:str note:str status:str " + SPAN,
                        [("policy_id", "policies")], sort_key=DOCUMENT_ORDER),
    "works": Table("id", "id:str kind:str pmid:str first_author:str title:str journal:str year:int volume:str "
                         "issue:str pages:str doi:str n_references:int n_policies:int enrichment:str design:str",
                   indexes=["pmid", "kind", "n_policies", "design", "enrichment"],
                   fts=["title", "first_author", "journal", "year"]),
    "policy_references": Table(
        "id", "id:str policy_id:str section_id:str position:int number:int number_inferred:int authors:str "
              "first_author:str corporate_author:int title:str journal:str year:int month:str volume:str "
              "issue:str pages:str pmid:str pmid_raw:str doi:str url:str accessed:str raw:str work_id:str "
              "match_method:str match_score:float " + SPAN,
        [("policy_id", "policies"), ("section_id", "sections"), ("work_id", "works")],
        ["pmid", "first_author", "year", "number", "journal"], ["title", "authors", "journal", "raw"],
        sort_key=DOCUMENT_ORDER),
    "citations": Table("id", "id:str policy_id:str section_id:str marker:str numbers:str sentence:str " + SPAN,
                       [("policy_id", "policies"), ("section_id", "sections")], fts=["sentence"],
                       sort_key=DOCUMENT_ORDER),
    "citation_targets": Table(("citation_id", "number"), "citation_id:str number:int reference_id:str",
                              [("citation_id", "citations"), ("reference_id", "policy_references")],
                              ["reference_id"]),
    "statement_evidence": Table(("statement_id", "citation_id"), "statement_id:str citation_id:str sites:str "
                                "role:str role_reason:str",
                                [("statement_id", "statements"), ("citation_id", "citations")],
                                ["citation_id", "role", "sites"]),
    "registered_trials": Table("id", "id:str policy_id:str section_id:str nct_id:str title:str "
                                     "planned_enrollment:int completion_date:str completion_date_text:str "
                                     "group_label:str note:str source:str " + SPAN,
                               [("policy_id", "policies"), ("section_id", "sections")], ["nct_id"],
                               sort_key=DOCUMENT_ORDER),
    "guidelines": Table("id", "id:str body:str kind:str topic:str version:str year:int work_id:str n_policies:int",
                        [("body", "guideline_bodies"), ("work_id", "works")], ["body"]),
    "guideline_mentions": Table("id", "id:str policy_id:str section_id:str body:str guideline_id:str kind:str "
                                      "topic:str version:str year:int source:str reference_id:str text:str " + SPAN,
                                [("policy_id", "policies"), ("section_id", "sections"), ("body", "guideline_bodies"),
                                 ("guideline_id", "guidelines"), ("reference_id", "policy_references")],
                                ["body", "guideline_id"], sort_key=DOCUMENT_ORDER),
    "guideline_recommendations": Table(
        "id", "id:str policy_id:str section_id:str mention_id:str guideline_id:str text:str category:str label:str "
              "level_of_recommendation:str level_of_evidence:str " + SPAN,
        [("policy_id", "policies"), ("section_id", "sections"), ("mention_id", "guideline_mentions"),
         ("guideline_id", "guidelines")], ["guideline_id"], ["text"], sort_key=DOCUMENT_ORDER),
    "indications": Table("id", "id:str label:str mesh_id:str mesh_heading:str mesh_note:str icd10:str broader_id:str",
                         [("broader_id", "indications")], ["mesh_id"]),
    "statement_indications": Table(("statement_id", "indication_id"), "statement_id:str indication_id:str "
                                   "matched_text:str", [("statement_id", "statements"), ("indication_id", "indications")],
                                   ["indication_id"]),
    "trials": Table("id", "id:str name:str full_name:str design:str phase:str population:str intervention:str "
                          "comparator:str patients:int lesions:int planned_enrollment:int registry_id:str",
                    indexes=["registry_id"],
                    fts=["name", "full_name", "registry_id", "design", "population", "intervention", "comparator"]),
    "trial_publications": Table(("trial_id", "work_id"), "trial_id:str work_id:str role:str",
                                [("trial_id", "trials"), ("work_id", "works")], ["work_id"]),
    "trial_sources": Table("id", "id:str trial_id:str policy_id:str quote:str " + SPAN,
                           [("trial_id", "trials"), ("policy_id", "policies")], sort_key=DOCUMENT_ORDER),
    "trial_results": Table("id", "id:str trial_id:str policy_id:str outcome:str time_point:str arm:str value:float "
                                 "unit:str n:int n_total:int p_value:str ci:str finding:str quote:str " + SPAN,
                           [("trial_id", "trials"), ("policy_id", "policies")], ["outcome"], sort_key=DOCUMENT_ORDER),
    "citation_anomalies": Table("id", "id:str kind:str work_id:str reference_id:str other_reference_id:str "
                                      "citation_id:str field:str value:str other_value:str detail:str",
                                [("work_id", "works"), ("reference_id", "policy_references"),
                                 ("other_reference_id", "policy_references"), ("citation_id", "citations")],
                                ["kind", "field"]),
    "policy_history": Table("id", "id:str policy_id:str date:str date_text:str text:str " + SPAN,
                            [("policy_id", "policies")], ["date"], sort_key=DOCUMENT_ORDER),
    "policy_reviews": Table("policy_id", "policy_id:str review_date:str date_text:str basis:str text:str "
                                         "line_start:int line_end:int", [("policy_id", "policies")]),
    "related_policies": Table("id", "id:str policy_id:str relation:str number:str title:str category:str " + SPAN,
                              [("policy_id", "policies")], sort_key=DOCUMENT_ORDER),
    "devices": Table("id", "id:str policy_id:str name:str manufacturer:str " + SPAN, [("policy_id", "policies")],
                     sort_key=DOCUMENT_ORDER),
    "pubmed_articles": Table("pmid", "pmid:str title:str abstract:str journal:str journal_iso:str pub_date:str "
                                     "year:int volume:str issue:str pages:str doi:str pmc:str language:str "
                                     "n_authors:int fetched_at:str source:str", indexes=["doi"],
                             fts=["title", "abstract"]),
    "pubmed_abstract_sections": Table(("pmid", "ordinal"), "pmid:str ordinal:int label:str category:str text:str",
                                      [("pmid", "pubmed_articles", "pmid")]),
    "pubmed_authors": Table(("pmid", "position"), "pmid:str position:int last_name:str fore_name:str initials:str "
                                                   "collective_name:str affiliation:str",
                            [("pmid", "pubmed_articles", "pmid")], ["last_name"]),
    "pubmed_publication_types": Table(("pmid", "type"), "pmid:str ui:str type:str",
                                      [("pmid", "pubmed_articles", "pmid")], ["type"]),
    "pubmed_mesh": Table(("pmid", "ordinal"), "pmid:str ordinal:int descriptor_ui:str descriptor:str major:int "
                                               "qualifiers:str", [("pmid", "pubmed_articles", "pmid")],
                         ["descriptor_ui"]),
    "pubmed_keywords": Table(("pmid", "ordinal"), "pmid:str ordinal:int keyword:str major:int",
                             [("pmid", "pubmed_articles", "pmid")]),
    "pubmed_comments_corrections": Table(("pmid", "ordinal"), "pmid:str ordinal:int ref_type:str ref_pmid:str "
                                                               "ref_source:str", [("pmid", "pubmed_articles", "pmid")],
                                         ["ref_type"]),
    "citation_matches": Table("reference_id", "reference_id:str query:str answer:str pmid:str status:str detail:str",
                              [("reference_id", "policy_references")], ["status"]),
    "citation_audit": Table("id", "id:str reference_id:str policy_id:str work_id:str pmid:str checked:str "
                                  "policy_value:str pubmed_value:str score:float detail:str",
                            [("reference_id", "policy_references"), ("policy_id", "policies"), ("work_id", "works"),
                             ("pmid", "pubmed_articles", "pmid")], ["checked", "pmid"]),
    "registry_studies": Table("nct_id", "nct_id:str registry_nct_id:str title:str acronym:str overall_status:str "
                                        "why_stopped:str enrollment:int enrollment_type:str "
                                        "primary_completion_date:str primary_completion_type:str completion_date:str "
                                        "completion_type:str has_results:int results_first_posted:str "
                                        "last_update_posted:str status_verified:str url:str request:str "
                                        "fetched_at:str", indexes=["overall_status"]),
    "registry_publications": Table(("nct_id", "pmid"), "nct_id:str pmid:str type:str citation:str work_id:str",
                                   [("nct_id", "registry_studies", "nct_id"), ("work_id", "works")], ["pmid"]),
    "literature_searches": Table("id", "id:str indication_id:str since:str term:str status:str note:str run_on:str "
                                       "until:str count:int retrieved:int translation:str request:str "
                                       "pubmed_url:str error:str attempted_on:str",
                                 [("indication_id", "indications")], ["since", "status"]),
    "search_hits": Table(("search_id", "pmid"), "search_id:str pmid:str evidence_type:str work_id:str",
                         [("search_id", "literature_searches"), ("work_id", "works")], ["pmid", "evidence_type"]),
    "nodes": Table("id", "id:str type:str label:str row_id:str source_table:str degree:int attributes:str",
                   indexes=["type"],
                   fts=["label"]),
    "edges": Table("id", "id:str source:str target:str type:str attributes:str",
                   [("source", "nodes"), ("target", "nodes")], ["type"]),
    "problems": Table("id", "id:int file:str line:int severity:str code:str message:str", indexes=["severity"]),
    "policy_overlap": Table(("policy_a", "policy_b"), "policy_a:str policy_b:str shared_works:int all_works:int "
                                                        "jaccard:float",
                            [("policy_a", "policies"), ("policy_b", "policies")], ["jaccard"]),  # kb/store/aggregates.py
    "statement_criteria": Table("statement_id", "statement_id:str criteria:str", [("statement_id", "statements")]),
    "indication_evidence": Table(("indication_id", "work_id"), "indication_id:str work_id:str policies:int",
                                 [("indication_id", "indications"), ("work_id", "works")],
                                 ["work_id"]),  # kb/store/aggregates.py
    "indication_background": Table(("indication_id", "work_id"), "indication_id:str work_id:str policies:int "
                                                                  "reason:str cited_by:str",
                                   [("indication_id", "indications"), ("work_id", "works")]),  # kb/store/aggregates.py
    "policy_indications": Table(("policy_id", "indication_id"), "policy_id:str indication_id:str",
                                [("policy_id", "policies"), ("indication_id", "indications")],
                                ["indication_id"]),  # kb/store/aggregates.py
    "coverage_matrix": Table(("indication_id", "statement_id", "mapping"),
                             "indication_id:str indication:str mesh_id:str policy_id:str issuer:str status:str "
                             "status_text:str statement_indication:str mapping:str criteria_logic:str criteria:str "
                             "line_start:int line_end:int statement_id:str review_status:str",
                             [("indication_id", "indications"), ("policy_id", "policies"),
                              ("statement_id", "statements")],
                             ["issuer", "status"]),  # kb/store/aggregates.py
    "work_citers": Table("work_id", "work_id:str issuers:int policies:int cited_by:str rank:int",
                         [("work_id", "works")], ["issuers", "cited_by", "rank"]),  # kb/store/aggregates.py
    "shared_references": Table("match_key", "match_key:str pmid:str first_author:str year:int title:str policies:int "
                                            "cited_as:str", indexes=["policies"]),  # kb/store/aggregates.py
}

# Views: the joins reviewers facet on and readers share (kb/store/read.py, queries/), each written once.
# Described in metadata.yml like tables.
VIEWS: dict[str, str] = {
    "policy_issuers": """
        select id as policy_id, coalesce(issuer, '(issuer not named: ' || id || ')') as issuer from policies""",
    "statement_citations": """
        select e.statement_id, c.policy_id, e.sites, e.role, e.role_reason, c.id as citation_id, c.marker,
               c.sentence as citing_sentence, sec.path as cited_in_section, c.line_start as citation_line,
               t.number as reference_number, t.reference_id, r.first_author, r.year, r.pmid,
               r.title as reference_title, r.work_id
        from statement_evidence e
        join citations c on c.id = e.citation_id
        join sections sec on sec.id = c.section_id
        join citation_targets t on t.citation_id = c.id
        left join policy_references r on r.id = t.reference_id""",
    "evidence": """
        select statement_id, policy_id, sites, citation_id, marker, citing_sentence, cited_in_section, citation_line,
               reference_number, reference_id, first_author, year, pmid, reference_title, work_id
        from statement_citations where role = 'evidence'""",
    "citing_places": """
        select w.id as work_id, w.pmid, r.policy_id, pi.issuer,
               r.number as reference_number, r.line_start as reference_line, r.first_author, r.year, r.title,
               r.match_method, c.marker, sec.path as cited_in_section, c.sentence as citing_sentence,
               c.line_start as citation_line
        from works w
        join policy_references r on r.work_id = w.id
        join policy_issuers pi on pi.policy_id = r.policy_id
        left join citation_targets t on t.reference_id = r.id
        left join citations c on c.id = t.citation_id
        left join sections sec on sec.id = c.section_id
        order by w.id, r.policy_id, c.line_start""",
    "works_by_issuers": """
        select w.id as work_id, w.kind, w.pmid, w.first_author, w.year, w.title, c.issuers, c.policies, c.cited_by,
               c.rank
        from work_citers c join works w on w.id = c.work_id""",
    "coverage": """
        select s.id as statement_id, s.policy_id, pi.issuer, p.title as policy_title, s.indication, s.status,
               s.status_text, s.logic, s.line_of_business, s.text, s.line_start, s.line_end, p.review_status
        from statements s join policies p on p.id = s.policy_id join policy_issuers pi on pi.policy_id = p.id
        order by s.policy_id, s.ordinal""",
    "trial_registry_status": """
        with listings as (
          select policy_id, nct_id, group_label as listed_as, title as listed_title, planned_enrollment,
                 completion_date as planned_completion, completion_date_text as planned_completion_text, line_start
          from registered_trials where nct_id is not null
          union all
          select s.policy_id, t.registry_id, 'described', t.full_name, t.planned_enrollment, null, null,
                 min(s.line_start)
          from trials t join trial_sources s on s.trial_id = t.id
          where t.registry_id is not null and not exists (
            select 1 from registered_trials r where r.policy_id = s.policy_id and r.nct_id = t.registry_id)
          group by s.policy_id, t.registry_id),
        joined as (
          select l.*, t.id as trial_id, g.nct_id as fetched, g.overall_status, g.why_stopped, g.enrollment,
                 g.enrollment_type, g.primary_completion_date, g.primary_completion_type, g.completion_date,
                 g.completion_type, g.has_results, g.results_first_posted, g.url, g.request, g.fetched_at,
                 g.enrollment - l.planned_enrollment as enrollment_gap,
                 case when length(g.completion_date) >= 7 and length(l.planned_completion) >= 7 then
                   (cast(substr(g.completion_date, 1, 4) as int) * 12 + cast(substr(g.completion_date, 6, 2) as int))
                   - (cast(substr(l.planned_completion, 1, 4) as int) * 12
                      + cast(substr(l.planned_completion, 6, 2) as int)) end as completion_shift_months
          from listings l left join registry_studies g on g.nct_id = l.nct_id
          left join trials t on t.registry_id = l.nct_id)
        select policy_id, nct_id, trial_id, listed_as, listed_title, line_start, planned_enrollment,
               planned_completion, planned_completion_text, overall_status, why_stopped, enrollment, enrollment_type,
               primary_completion_date, primary_completion_type, completion_date, completion_type, has_results,
               results_first_posted, enrollment_gap, completion_shift_months,
               case when listed_as = 'described' then 'described in the policy'
                    when listed_as is null then 'listed in the policy'
                    else 'listed as ' || lower(trim(substr(listed_as, 1, instr(listed_as || ' >', ' >') - 1)))
                         || ' in the policy' end
               || '; ' ||
               case when fetched is null then 'not fetched from ClinicalTrials.gov'
                    else lower(replace(overall_status, '_', ' '))
                         || case when completion_date is null then ''
                                 when completion_type = 'ACTUAL' then ' on ' || completion_date
                                 else ', completion expected ' || completion_date end
                         || coalesce(' (' || why_stopped || ')', '')
                         || case when has_results then ', results posted' || coalesce(' on ' || results_first_posted, '')
                                 else ', no results posted' end end as registry_status,
               case when fetched is not null then
                 'enrollment: ' || coalesce(planned_enrollment || ' planned in the policy', 'none in the policy')
                 || ', ' || coalesce(enrollment || coalesce(' ' || lower(enrollment_type), '') || ' in the registry',
                                     'none in the registry')
                 || case when enrollment_gap > 0 then ' (' || enrollment_gap || ' more)'
                         when enrollment_gap < 0 then ' (' || -enrollment_gap || ' fewer)'
                         when enrollment_gap = 0 then ' (as planned)' else '' end
                 || '; completion: ' || coalesce(planned_completion_text || ' in the policy', 'none in the policy')
                 || ', ' || coalesce(completion_date || coalesce(' ' || lower(completion_type), '')
                                     || ' in the registry', 'none in the registry')
                 || case when completion_shift_months > 0 then ' (' || completion_shift_months || ' months later)'
                         when completion_shift_months < 0 then ' (' || -completion_shift_months || ' months earlier)'
                         when completion_shift_months = 0 then ' (the same month)' else '' end end as planned_vs_registry,
               url, request, fetched_at
        from joined order by policy_id, line_start""",
    # no order by: readers order; a view with one is not flattened into since_review's per-policy counts
    "review_searches": """
        with covered as (select indication_id, policy_id from policy_indications)
        select c.policy_id, r.review_date, c.indication_id, i.label as indication, s.id as search_id,
               coalesce(s.status, 'not searched') as status,
               coalesce(s.note, case when r.review_date is null then 'not searched (no review date in the policy)'
                                     else 'not searched (no search has run)' end) as note,
               s.run_on, s.count, s.retrieved, s.term, s.pubmed_url, s.request, s.error
        from covered c join policy_reviews r on r.policy_id = c.policy_id join indications i on i.id = c.indication_id
        left join literature_searches s on s.indication_id = c.indication_id and s.since = r.review_date""",
    "new_evidence": """
        select q.policy_id, q.review_date, q.indication_id, q.indication, h.pmid, h.evidence_type, a.title,
               a.journal, a.year, a.pub_date, q.search_id, q.term, q.run_on, q.count, q.pubmed_url
        from review_searches q join search_hits h on h.search_id = q.search_id
        left join pubmed_articles a on a.pmid = h.pmid
        where q.status = 'searched' and h.work_id is null
        order by q.policy_id, h.evidence_type, h.pmid, q.indication_id""",
    "since_review": """
        with counted as (
          select r.policy_id, r.review_date, r.date_text, r.basis, r.line_start,
                 (select count(distinct pmid) from new_evidence n
                  where n.policy_id = r.policy_id and n.evidence_type = 'rct') as new_rcts,
                 (select count(distinct pmid) from new_evidence n
                  where n.policy_id = r.policy_id and n.evidence_type = 'review') as new_reviews,
                 (select count(distinct pmid) from new_evidence n
                  where n.policy_id = r.policy_id and n.evidence_type = 'guideline') as new_guidelines,
                 (select count(distinct pmid) from new_evidence n
                  where n.policy_id = r.policy_id and n.evidence_type is null) as hits_not_fetched,
                 (select count(distinct nct_id) from trial_registry_status t
                  where t.policy_id = r.policy_id and t.overall_status = 'COMPLETED') as trials_completed,
                 (select count(distinct nct_id) from trial_registry_status t
                  where t.policy_id = r.policy_id and t.overall_status is not null) as trials_fetched,
                 (select count(distinct nct_id) from trial_registry_status t where t.policy_id = r.policy_id)
                   as trials_listed,
                 (select count(*) from review_searches q where q.policy_id = r.policy_id and q.status = 'searched')
                   as indications_searched,
                 (select count(*) from review_searches q where q.policy_id = r.policy_id) as indications,
                 (select min(note) from review_searches q where q.policy_id = r.policy_id and q.status = 'not searched')
                   as not_searched_note
          from policy_reviews r)
        select policy_id, review_date, date_text, basis, line_start, new_rcts, new_reviews, new_guidelines,
               hits_not_fetched, trials_completed, trials_fetched, trials_listed, indications_searched, indications,
               'since your last review (' || coalesce(review_date, 'no date in the policy') || '): '
               || case when indications_searched = 0 then coalesce(not_searched_note, 'no indication to search')
                       else new_rcts || ' new RCT' || case new_rcts when 1 then '' else 's' end
                            || ', ' || new_reviews || ' review' || case new_reviews when 1 then '' else 's' end
                            || ', ' || new_guidelines || ' guideline' || case new_guidelines when 1 then '' else 's' end
                            || case when hits_not_fetched > 0 then ' (and ' || hits_not_fetched
                                    || ' found whose records are not fetched yet)' else '' end
                            || case when indications_searched < indications then ' (' || (indications
                                    - indications_searched) || ' of ' || indications || ' indications not searched)'
                                    else '' end end
               || ', ' || case when trials_listed = 0 then 'no registered trials listed'
                               when trials_fetched = 0 then 'trials not fetched from ClinicalTrials.gov'
                               else trials_completed || ' trial' || case trials_completed when 1 then '' else 's' end
                                    || ' completed' || case when trials_fetched < trials_listed then ' ('
                                    || (trials_listed - trials_fetched) || ' not fetched)' else '' end end as summary
        from counted order by policy_id""",
}
