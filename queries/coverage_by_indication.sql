-- title: Coverage by indication across policies
-- description: Every coverage statement of every policy, grouped by indication, with its status as worded and normalised, how its criteria combine, each criterion, and the source lines.
select
  s.indication,
  s.status,
  s.status_text,
  p.id as policy_id,
  i.issuer,
  p.title as policy_title,
  s.logic as criteria_logic,
  sc.criteria,
  s.line_of_business,
  s.line_start,
  s.line_end,
  s.id as statement_id
from statements s
join policies p on p.id = s.policy_id
join policy_issuers i on i.policy_id = p.id
left join statement_criteria sc on sc.statement_id = s.id
order by lower(s.indication), s.status, p.id, s.ordinal
