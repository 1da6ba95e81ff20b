-- title: From a statement to its evidence, trials and results
-- description: For one statement (e.g. bcbsks-liver-tumors:statement:1): the citations in the passages about the same site, the works they cite, the trials those works report, and the results the policies give for them.
select e.marker, e.cited_in_section, e.citation_line, e.reference_number, w.id as work_id, w.first_author, w.year,
       t.name as trial, tr.outcome, tr.time_point, tr.arm, tr.value, tr.unit, tr.p_value,
       tr.policy_id as result_policy, tr.line_start as result_line
from evidence e
join works w on w.id = e.work_id
left join trial_publications tp on tp.work_id = w.id
left join trials t on t.id = tp.trial_id
left join trial_results tr on tr.trial_id = t.id
where e.statement_id = :statement_id
order by e.citation_line, e.reference_number, tr.id
