-- title: Everywhere a work is cited
-- description: For one work (e.g. pmid:26230972, or a work: / guideline: id): every policy, reference number and section citing it, with the sentence, and how the policy's entry was matched to the work.
select policy_id, issuer, reference_number, reference_line, match_method, first_author, year, title, marker,
       cited_in_section, citing_sentence, citation_line
from citing_places
where work_id = :work_id
order by policy_id, citation_line
