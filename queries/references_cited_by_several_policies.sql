-- title: References cited by more than one policy
-- description: Papers and documents that two or more policies list, matched by PMID, else by title (lower-cased). Each policy's own reference number and line are listed.
select match_key, pmid, first_author, year, title, policies, cited_as
from shared_references
order by policies desc, first_author, match_key
