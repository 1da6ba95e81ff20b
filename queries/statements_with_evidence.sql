-- title: Statements with the evidence their sections cite
-- description: Each coverage statement with the in-text citations found in the policy's passages about the same organ or site (the sites column says which matched), and the references those citations resolve to.
select
  s.policy_id,
  s.indication,
  s.status,
  e.sites,
  sec.path as evidence_section,
  c.marker,
  c.sentence as citing_sentence,
  t.number as reference_number,
  r.first_author,
  r.year,
  r.pmid,
  r.title as reference_title,
  r.work_id,
  c.line_start as citation_line,
  s.id as statement_id
from statements s
join statement_evidence e on e.statement_id = s.id
join citations c on c.id = e.citation_id
join sections sec on sec.id = c.section_id
join citation_targets t on t.citation_id = c.id
left join policy_references r on r.id = t.reference_id
order by s.policy_id, s.ordinal, c.line_start, t.number
