-- title: Works ranked by how many issuers cite them
-- description: Every work with the number of issuers (a policy whose issuer is not named counts as its own) and policies that cite it: most issuers first, then most policies.
select work_id, kind, pmid, first_author, year, title, issuers, policies, cited_by
from works_by_issuers
order by rank
