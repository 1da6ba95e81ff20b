-- title: Coverage matrix (indication × policy)
-- description: For every indication of the curated vocabulary, each policy's statements that apply to it (directly or through a broader indication), with status and criteria.
select indication, policy_id, issuer, status, mapping, statement_indication, criteria_logic, criteria, line_start,
       statement_id
from coverage_matrix
