"""Co-citation of policies, computed once at build time: for each policy, the policies that cite most of the
same works (the policy_overlap table).

Comparing every pair of policies is quadratic: at 1,000 policies the view that did so at query time did
not finish within Datasette's time limit, and with thousands of policies nearly every pair shares some
landmark paper, so a table of all pairs would hold millions of rows nobody reads. So each policy keeps its
TOP closest others: highest Jaccard index of the works they cite, then most works shared, then by id. A
pair is kept when it is among the closest of either policy. The counting goes one policy at a time through
the citers of each work it cites, in numpy, so it costs the number of (policy, policy, shared work) triples.
"""
from __future__ import annotations

import sqlite3

import numpy as np

TOP = 10


def _citers(key: np.ndarray, value: np.ndarray, keys: int) -> tuple[np.ndarray, np.ndarray]:
    """value grouped by key: (values in key order, bounds) with key k's values at bounds[k]:bounds[k + 1]."""
    order = np.argsort(key, kind="stable")
    return value[order], np.concatenate([[0], np.cumsum(np.bincount(key, minlength=keys))])


def write_policy_overlap(conn: sqlite3.Connection, top: int = TOP) -> int:
    """Fill policy_overlap, in the open transaction, from the works policy_references resolve to; return the
    number of pairs written."""
    cited = conn.execute("select distinct policy_id, work_id from policy_references where work_id is not null")
    cited = np.array(cited.fetchall(), dtype=str).reshape(-1, 2)
    policies, policy_of = np.unique(cited[:, 0], return_inverse=True)
    works, work_of = np.unique(cited[:, 1], return_inverse=True)
    citers, work_bounds = _citers(work_of, policy_of, len(works))
    cites, policy_bounds = _citers(policy_of, work_of, len(policies))
    sizes = np.diff(policy_bounds)
    pairs: dict[tuple[int, int], tuple[int, int]] = {}
    for policy in range(len(policies)):
        own = cites[policy_bounds[policy]:policy_bounds[policy + 1]]
        starts, lengths = work_bounds[own], work_bounds[own + 1] - work_bounds[own]
        gathered = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        shared = np.bincount(citers[gathered], minlength=len(policies))
        shared[policy] = 0
        others = np.flatnonzero(shared)
        together = shared[others]
        union = sizes[policy] + sizes[others] - together
        jaccard = together / union
        if len(others) > top:  # only the top candidates (with any tied at the cut) are sorted
            near = jaccard >= np.partition(jaccard, -top)[-top]
            others, together, union, jaccard = others[near], together[near], union[near], jaccard[near]
        for i in np.lexsort((others, -together, -jaccard))[:top]:
            pair = (min(policy, int(others[i])), max(policy, int(others[i])))
            pairs[pair] = (int(together[i]), int(union[i]))
    conn.executemany("insert into policy_overlap (policy_a, policy_b, shared_works, all_works, jaccard) "
                     "values (?, ?, ?, ?, ?)",
                     [(str(policies[a]), str(policies[b]), shared, union, round(shared / union, 3))
                      for (a, b), (shared, union) in sorted(pairs.items())])
    return len(pairs)
