-- title: Works ranked by how many issuers cite them
-- description: Every work with the number of issuers (a policy whose issuer is not named counts as its own) and policies that cite it.
select * from works_by_issuers
