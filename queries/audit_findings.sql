-- title: Citation audit: where policies disagree with PubMed
-- description: Each policy citation whose PubMed record differs (author spelling, year, journal, volume, pages, title, a PMID of another paper), or whose paper is retracted or corrected, with the policy's line. Empty until `kb enrich` has fetched or imported the records.
select a.policy_id, r.number as reference_number, r.line_start as reference_line, a.pmid, a.checked,
       a.policy_value, a.pubmed_value, a.score, a.detail, a.work_id
from citation_audit a
cross join policy_references r on r.id = a.reference_id  -- the findings first: most references have none
order by a.checked, a.policy_id, r.number
