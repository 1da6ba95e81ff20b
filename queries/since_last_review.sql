-- title: What is new since a policy's last review
-- description: For one policy (e.g. premera-7.01.92): each RCT, systematic review and guideline PubMed added since its last review on an indication it covers that no policy cites, with the search that found it (date run, count, term); each trial it lists, with its status on ClinicalTrials.gov and the gap from the policy's planned figures; and each indication whose search could not run, with why. Empty of evidence until `kb new-evidence` and `kb registry` have run.
select 'new ' || coalesce(evidence_type, 'hit (record not fetched)') as what, 'PMID ' || pmid as item, title,
       indication as detail, 'search of ' || run_on || ' (' || count || ' found): ' || term as provenance
from new_evidence where policy_id = :policy_id
union all
select 'trial', nct_id, coalesce(listed_title, trial_id), registry_status,
       coalesce(planned_vs_registry || '; ' || request || ', fetched ' || fetched_at, 'not fetched')
from trial_registry_status where policy_id = :policy_id
union all
select 'not searched', indication_id, indication, note, coalesce(error, '')
from review_searches where policy_id = :policy_id and status = 'not searched'
order by 1, 2
