-- title: Statements with the evidence their sections cite
-- description: Each coverage statement with the in-text citations found in the policy's passages about the same organ or site (the sites column says which matched), and the references those citations resolve to. Role says whether a citation is evidence or only background (a marker citing more than half the reference list at once, or one in a background section), and role_reason why.
select
  s.policy_id,
  s.indication,
  s.status,
  e.role,
  e.role_reason,
  e.sites,
  e.cited_in_section as evidence_section,
  e.marker,
  e.citing_sentence,
  e.reference_number,
  e.first_author,
  e.year,
  e.pmid,
  e.reference_title,
  e.work_id,
  e.citation_line,
  s.id as statement_id
from statements s
cross join statement_citations e on e.statement_id = s.id  -- statements in order, each one's citations after it
order by s.policy_id, s.ordinal, e.role desc, e.citation_line, e.reference_number
