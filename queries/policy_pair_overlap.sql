-- title: Overlap between every pair of policies
-- description: Works two policies both cite, all works either cites, and the Jaccard index (shared / all).
select * from policy_overlap
