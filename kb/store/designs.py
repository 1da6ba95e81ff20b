"""Each work's study design, read from its PubMed record: how much weight its evidence carries.

The mapping is data: PubMed publication types and MeSH descriptors, each naming a design, tried in
order of precedence (the first design any of whose names the record has wins). Publication types
say what a document is; MeSH descriptors say what it is about, so they come last and decide only
the study designs PubMed has no publication type for (cohort). A work without a PubMed record is
"not classified", never guessed from its title. Written into works.design whenever the PubMed
tables are (re)written: at build and after `kb enrich` or `kb new-evidence`.
"""
from __future__ import annotations

from collections import defaultdict

NOT_CLASSIFIED = "not classified"
OTHER = "other"

# (design, publication types, MeSH descriptors), in order of precedence. A guideline that reports a
# systematic review is a guideline; a meta-analysis of randomised trials is a meta-analysis; a case
# report indexed "Retrospective Studies" is a case report.
PRECEDENCE: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("guideline", ("Practice Guideline", "Guideline", "Consensus Development Conference",
                   "Consensus Development Conference, NIH"), ()),
    ("systematic review/meta-analysis", ("Systematic Review", "Meta-Analysis", "Network Meta-Analysis"), ()),
    ("RCT", ("Randomized Controlled Trial", "Randomized Controlled Trial, Veterinary"), ()),
    ("case series", ("Case Reports",), ()),
    ("review", ("Review", "Scoping Review"), ()),
    ("cohort", ("Observational Study",), ("Cohort Studies", "Prospective Studies", "Retrospective Studies",
                                          "Longitudinal Studies", "Follow-Up Studies")),
]

# How the profiles list them: strongest design first, then the rest.
ORDER = ["RCT", "systematic review/meta-analysis", "guideline", "cohort", "case series", "review", OTHER,
         NOT_CLASSIFIED]


def classify(publication_types: set[str], mesh: set[str]) -> str:
    """The design of a record with these publication types and MeSH descriptors (names, as PubMed gives them)."""
    for design, types, descriptors in PRECEDENCE:
        if publication_types & set(types) or mesh & set(descriptors):
            return design
    return OTHER


def record_pmids(conn) -> dict[str, str]:
    """Each work's PubMed record held in the knowledge base: its own PMID, else one ECitMatch found and accepted."""
    held = {row[0] for row in conn.execute("select pmid from pubmed_articles")}
    found = {work: pmid for work, pmid in conn.execute("select id, pmid from works") if pmid in held}
    for work, pmid in conn.execute("""select r.work_id, m.pmid from citation_matches m
                                      join policy_references r on r.id = m.reference_id
                                      where m.status = 'accepted' order by r.work_id, m.pmid"""):
        if pmid in held:
            found.setdefault(work, pmid)
    return found


def write_designs(conn) -> None:
    """Set works.design from the PubMed tables (conn: a sqlite3 connection or sqlite-utils Database), committed."""
    conn = getattr(conn, "conn", conn)
    types: dict[str, set[str]] = defaultdict(set)
    mesh: dict[str, set[str]] = defaultdict(set)
    for pmid, name in conn.execute("select pmid, type from pubmed_publication_types"):
        types[pmid].add(name)
    for pmid, name in conn.execute("select pmid, descriptor from pubmed_mesh"):
        mesh[pmid].add(name)
    pmids = record_pmids(conn)
    designs = [(classify(types[pmids[work]], mesh[pmids[work]]) if work in pmids else NOT_CLASSIFIED, work)
               for (work,) in conn.execute("select id from works").fetchall()]
    with conn:
        conn.executemany("update works set design = ? where id = ?", designs)
