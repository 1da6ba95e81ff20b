-- title: References cited by more than one policy
-- description: Papers and documents that two or more policies list, matched by PMID, else by title (lower-cased). Each policy's own reference number and line are listed.
with keyed as (
  select
    coalesce('PMID ' || r.pmid, 'title: ' || lower(trim(r.title))) as match_key,
    r.*
  from policy_references r
  where r.pmid is not null or r.title is not null
  order by r.policy_id, r.position
)
select
  match_key,
  min(pmid) as pmid,
  min(first_author) as first_author,
  max(year) as year,
  min(title) as title,
  count(distinct policy_id) as policies,
  group_concat(policy_id || ' #' || coalesce(number, '(unnumbered)') || ' (line ' || line_start || ')', '; ') as cited_as
from keyed
group by match_key
having count(distinct policy_id) > 1
order by policies desc, first_author, match_key
