"""Aggregates computed once at build time rather than by every request that reads them (as views, each was a
full pass over the references or criteria: 0.1-1 s a request at 1,000 policies). Who cites the same thing:
for each policy, the policies that cite most of the same works (policy_overlap); for each work, the issuers
and policies citing it (work_citers); the references several policies list, by PMID or title
(shared_references). And each statement's criteria as one text (statement_criteria), which the coverage
views and pages join; and the indications each policy takes a position on, broader ones included
(policy_indications), which the searches since a policy's review start from: read through the coverage
view inside each policy's summary, they were computed for the whole corpus seven times a policy page
(~3 s at 10,000 policies); and for each indication, the works its statements cite as evidence, with the
number of policies citing each so (indication_evidence), and those they cite only as background
(indication_background), which its page lists (~2 s a request at 10,000 policies when read from the links);
and every statement that applies to an indication, directly or through a broader one (coverage_matrix), which
the indication pages, the coverage grid and its CSV read (as a view, each request worked it out again: 4x
slower at 1,000 policies). Its rows are written in the grid's order (indication label, issuer, policy, line),
so the CSV of every cell is read a chunk at a time, from one rowid to the next.

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

WORK_CITERS = """
    insert into work_citers (work_id, issuers, policies, cited_by, rank)
    select c.work_id, c.issuers, c.policies, c.cited_by,
           row_number() over (order by c.issuers desc, c.policies desc, w.first_author, w.id) from (
      select work_id, count(distinct issuer) as issuers, count(distinct policy_id) as policies,
             group_concat(distinct issuer) as cited_by
      from (select r.work_id, r.policy_id, pi.issuer from policy_references r
            join policy_issuers pi on pi.policy_id = r.policy_id
            where r.work_id is not null order by r.work_id, pi.issuer)
      group by work_id) c
    join works w on w.id = c.work_id
    order by c.issuers desc, c.policies desc, w.first_author, w.id"""

SHARED_REFERENCES = """
    insert into shared_references (match_key, pmid, first_author, year, title, policies, cited_as)
    select * from (
      select match_key, min(pmid), min(first_author) as first_author, max(year), min(title),
             count(distinct policy_id) as policies,
             group_concat(policy_id || ' #' || coalesce(number, '(unnumbered)') || ' (line ' || line_start || ')',
                          '; ')
      from (select coalesce('PMID ' || pmid, 'title: ' || lower(trim(title))) as match_key, *
            from policy_references where pmid is not null or title is not null order by policy_id, position)
      group by match_key
      having count(distinct policy_id) > 1)
    order by policies desc, first_author, match_key"""


STATEMENT_CRITERIA = """
    insert into statement_criteria (statement_id, criteria)
    select statement_id, group_concat(line, char(10)) from (
      select c.statement_id, coalesce(c.label || '. ', '') || c.text || coalesce(' [' || c.connective || ']', '')
             as line
      from criteria c order by c.statement_id, c.ordinal)
    group by statement_id"""


COVERAGE_MATRIX = """
    insert into coverage_matrix (indication_id, indication, mesh_id, policy_id, issuer, status, status_text,
                                 statement_indication, mapping, criteria_logic, criteria, line_start, line_end,
                                 statement_id, review_status)
        with recursive lineage(indication_id, ancestor_id) as (
          select id, id from indications
          union all
          select l.indication_id, i.broader_id from lineage l join indications i on i.id = l.ancestor_id
          where i.broader_id is not null)
        select i.id as indication_id, i.label as indication, i.mesh_id, p.id as policy_id,
               pi.issuer, s.status, s.status_text,
               s.indication as statement_indication,
               case when l.ancestor_id = l.indication_id then 'direct' else 'via ' || l.ancestor_id end as mapping,
               s.logic as criteria_logic, sc.criteria, s.line_start, s.line_end, s.id as statement_id,
               p.review_status
        from lineage l
        join indications i on i.id = l.indication_id
        join statement_indications si on si.indication_id = l.ancestor_id
        join statements s on s.id = si.statement_id
        join policies p on p.id = s.policy_id
        join policy_issuers pi on pi.policy_id = p.id
        left join statement_criteria sc on sc.statement_id = s.id
        order by i.label, i.id, pi.issuer, p.id, s.line_start, s.id, l.ancestor_id"""

# The links from the statements on an indication to the works their passages cite, with the link's role.
_INDICATION_LINKS = """
    select m.indication_id, m.policy_id, e.role, e.role_reason, r.work_id
    from (select distinct indication_id, statement_id, policy_id from coverage_matrix) m
    join statement_evidence e on e.statement_id = m.statement_id
    join citation_targets t on t.citation_id = e.citation_id
    join policy_references r on r.id = t.reference_id
    where r.work_id is not null"""

INDICATION_EVIDENCE = f"""
    insert into indication_evidence (indication_id, work_id, policies)
    select indication_id, work_id, count(distinct policy_id) from ({_INDICATION_LINKS})
    where role = 'evidence' group by indication_id, work_id"""

INDICATION_BACKGROUND = f"""
    insert into indication_background (indication_id, work_id, policies, reason, cited_by)
    select l.indication_id, l.work_id, count(distinct l.policy_id), min(l.role_reason),
           group_concat(distinct l.policy_id)
    from ({_INDICATION_LINKS}) l
    where l.role = 'background' and not exists (
      select 1 from indication_evidence x where x.indication_id = l.indication_id and x.work_id = l.work_id)
    group by l.indication_id, l.work_id"""

POLICY_INDICATIONS = """
    insert into policy_indications (policy_id, indication_id)
    select distinct policy_id, indication_id from coverage_matrix order by policy_id, indication_id"""


def write_aggregates(conn: sqlite3.Connection) -> None:
    """Fill policy_overlap, work_citers, shared_references, statement_criteria, coverage_matrix,
    policy_indications, indication_evidence and indication_background, in the open transaction."""
    write_policy_overlap(conn)
    for sql in (WORK_CITERS, SHARED_REFERENCES, STATEMENT_CRITERIA, COVERAGE_MATRIX, POLICY_INDICATIONS,
                INDICATION_EVIDENCE, INDICATION_BACKGROUND):
        conn.execute(sql)


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
