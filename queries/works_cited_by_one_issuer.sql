-- title: Works cited by one issuer only
-- description: Papers and documents that only one issuer's policies rest on, grouped by that issuer.
select cited_by as issuer, work_id, kind, pmid, first_author, year, title
from works_by_issuers
where +issuers = 1  -- by the cited_by index, in order: most works have one issuer
order by cited_by, first_author, work_id
