-- title: Policies that cite the same works
-- description: Pairs of policies that cite some of the same works: each policy's 10 closest others by the Jaccard index (works both cite / works either cites), from the co-citation table computed at build time.
select policy_a, policy_b, shared_works, all_works, jaccard
from policy_overlap
order by jaccard desc, policy_a, policy_b
