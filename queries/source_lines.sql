-- title: Source lines of a policy
-- description: The text of one policy document from line :first to line :last, as stored at build time, with each line's place in the original (PDF page, HTML element) for policies added from one.
select n as line, text, origin
from lines
where policy_id = :policy_id and n between cast(:first as integer) and cast(:last as integer)
order by n
