-- title: Everything that cites a given PMID
-- description: For one PubMed id: each policy that lists it, its reference number and line there, and every in-text citation of that reference with its section and sentence.
select policy_id, issuer, reference_number, reference_line, first_author, year, title, marker, cited_in_section,
       citing_sentence, citation_line
from citing_places
where pmid = :pmid
order by policy_id, citation_line
