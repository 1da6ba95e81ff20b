-- title: Everything that cites a given PMID
-- description: For one PubMed id: each policy that lists it, its reference number and line there, and every in-text citation of that reference with its section and sentence.
select
  r.policy_id,
  coalesce(p.issuer, '(issuer not named)') as issuer,
  r.number as reference_number,
  r.line_start as reference_line,
  r.first_author,
  r.year,
  r.title,
  c.marker,
  sec.path as cited_in_section,
  c.sentence as citing_sentence,
  c.line_start as citation_line
from policy_references r
join policies p on p.id = r.policy_id
left join citation_targets t on t.reference_id = r.id
left join citations c on c.id = t.citation_id
left join sections sec on sec.id = c.section_id
where r.pmid = :pmid
order by r.policy_id, c.line_start
