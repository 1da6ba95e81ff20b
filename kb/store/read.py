"""Reading the knowledge base: the questions its readers ask, answered in one place.

`KnowledgeBase` wraps a sqlite3 connection, as sqlite-utils' Database does, so that the citation
lookups, the reviewer pages and the CLI ask it instead of each writing its own SQL. What several
questions share is a view of the schema, written once: `evidence` (statement → citation →
reference → work), `policy_issuers` (the issuer label) and `citing_places`; and what the build
computes once (kb/store/aggregates.py), such as `coverage_matrix`.

    kb = KnowledgeBase.open("build/kb.db")
    kb.citing_places("pmid:32151777")
"""
from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path

from .designs import NOT_CLASSIFIED
from .schema import TABLES, VIEWS


class NotAKnowledgeBase(Exception):
    """The path holds no knowledge base this version can read; the message says what to do."""


class QueryError(Exception):
    """SQL given to `query` could not run; the message is SQLite's."""


def rows(conn, sql: str, params=()) -> list[dict]:
    """Rows as dicts, from a sqlite3 connection or anything with its execute (sqlite-utils' Database)."""
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _marks(values) -> str:
    """SQL placeholders for a list of values; an empty list matches nothing."""
    return ",".join("?" * len(values)) or "''"


def _currency_column(column: str) -> str:
    """A column the currency views are asked by; never SQL from outside."""
    if column not in ("policy_id", "indication_id", "nct_id", "trial_id"):
        raise ValueError(f"not a column to ask by: {column!r}")
    return column


def prefix_match(words: list[str], joiner: str = " ") -> str:
    """An FTS5 expression matching every word as a prefix (joiner " OR " for any word)."""
    return joiner.join(f'"{word}"*' for word in words)


class KnowledgeBase:
    """The read API: one method per question, each answering with plain dicts and lists."""

    def __init__(self, conn):
        """conn: a sqlite3 connection, or anything holding one as .conn (sqlite-utils' Database, a KnowledgeBase)."""
        self.conn: sqlite3.Connection = getattr(conn, "conn", conn)

    @classmethod
    def open(cls, path: str | Path) -> KnowledgeBase:
        """The knowledge base at path, read-only; NotAKnowledgeBase when there is none or it is incomplete."""
        path = Path(path)
        if not path.is_file():
            raise NotAKnowledgeBase(f"{path}: no knowledge base here; run `kb build` first")
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = {row[0] for row in conn.execute("select name from sqlite_master")}
        except sqlite3.DatabaseError as error:
            conn.close()
            raise NotAKnowledgeBase(f"{path}: not a knowledge base ({error}); run `kb build`") from None
        missing = sorted((set(TABLES) | set(VIEWS)) - names)
        if missing:
            conn.close()
            raise NotAKnowledgeBase(f"{path}: not a knowledge base of this version (no {', '.join(missing[:3])}"
                                    f"{' ...' if len(missing) > 3 else ''}); run `kb build`")
        return cls(conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # Any SQL: the escape hatch, and canned queries

    def rows(self, sql: str, params=()) -> list[dict]:
        return rows(self.conn, sql, params)

    def one(self, sql: str, params=()) -> dict | None:
        found = rows(self.conn, sql, params)
        return found[0] if found else None

    def query(self, sql: str, params=()) -> tuple[list[str], list[tuple]]:
        """Column names and rows of any SQL (a canned query); QueryError with SQLite's message."""
        try:
            cursor = self.conn.execute(sql, params)
            return [d[0] for d in cursor.description or ()], cursor.fetchall()
        except sqlite3.Error as error:
            raise QueryError(str(error)) from None

    # Policies

    def policies(self, policy_ids: list[str] | None = None, offset: int = 0, limit: int = -1) -> list[dict]:
        """Every policy (or those of policy_ids) with its issuer label (the issuer, or "(issuer not named: <id>)"),
        by id; `limit` of them from `offset`, if given."""
        where = f"where p.id in ({_marks(policy_ids)})" if policy_ids is not None else ""
        return self.rows(f"""select p.id, p.title, i.issuer, p.review_status from policies p
                             join policy_issuers i on i.policy_id = p.id {where} order by p.id limit ? offset ?""",
                         [*(policy_ids or []), limit, offset])

    def policy_count(self) -> int:
        return self.conn.execute("select count(*) from policies").fetchone()[0]

    def policy(self, policy_id: str) -> dict | None:
        return self.one("select * from policies where id = ?", [policy_id])

    def origins(self, policy_id: str) -> dict[int, str]:
        """Each line's place in the published original (PDF page, HTML element), for policies added from one."""
        return dict(self.conn.execute("select n, origin from lines where policy_id = ? and origin is not null",
                                      [policy_id]).fetchall())

    def statements(self, policy_id: str) -> list[dict]:
        return self.rows("select * from statements where policy_id = ? order by ordinal", [policy_id])

    def criteria(self, policy_id: str) -> list[dict]:
        return self.rows("select * from criteria where policy_id = ? order by statement_id, ordinal", [policy_id])

    def codes(self, policy_id: str) -> list[dict]:
        return self.rows("select * from codes where policy_id = ? order by id", [policy_id])

    def references(self, policy_id: str) -> list[dict]:
        """A policy's reference list, each entry with its work's title."""
        return self.rows("""select r.*, w.title as work_title from policy_references r join works w on w.id = r.work_id
                            where r.policy_id = ? order by position""", [policy_id])

    def fields(self, policy_id: str) -> list[dict]:
        """What a policy says of itself (dates, numbers), in document order."""
        return self.rows("select * from policy_fields where policy_id = ? order by rowid", [policy_id])

    def citations(self, policy_id: str) -> list[dict]:
        """In-text citations in document order, each with `links`: the numbers cited and their works."""
        found = self.rows("""select c.*, group_concat(t.number || '|' || coalesce(r.work_id, ''), ';') as targets
                             from citations c join citation_targets t on t.citation_id = c.id
                             left join policy_references r on r.id = t.reference_id
                             where c.policy_id = ? group by c.id order by c.char_start""", [policy_id])
        for c in found:
            c["links"] = [{"number": int(n), "work_id": w or None} for n, w in
                          (t.split("|") for t in c.pop("targets").split(";"))]
        return found

    def statement_indications(self, statement_id: str) -> list[dict]:
        return self.rows("""select i.id, i.label from statement_indications m
                            join indications i on i.id = m.indication_id where m.statement_id = ?""", [statement_id])

    def policy_guidelines(self, policy_id: str) -> list[dict]:
        return self.rows("""select distinct g.id, g.body, g.topic, g.version from guideline_mentions m
                            join guidelines g on g.id = m.guideline_id where m.policy_id = ?
                            order by g.body, g.topic""", [policy_id])

    def policy_trials(self, policy_id: str) -> list[dict]:
        """Trials a policy names or describes."""
        return self.rows("""select distinct t.id, coalesce(t.name, t.full_name) as name from trial_sources s
                            join trials t on t.id = s.trial_id where s.policy_id = ? order by t.id""", [policy_id])

    def effective_dates(self, policy_ids: list[str] | None = None) -> dict[str, str]:
        """Each policy's (of these, if given) latest effective date, where it gives one."""
        where = f"and policy_id in ({_marks(policy_ids)})" if policy_ids is not None else ""
        return {r["policy_id"]: r["date"] for r in self.rows(
            f"""select policy_id, max(date) as date from policy_fields
                where label like '%effective%' and date is not null {where} group by policy_id""", policy_ids or [])}

    # Coverage

    def indications(self) -> list[dict]:
        """The indication vocabulary, each with the number of policies with a statement on it."""
        return self.rows("""select i.id, i.label, i.mesh_id, count(s.policy_id) as policies
                            from indications i left join policy_indications s on s.indication_id = i.id
                            group by i.id order by i.label""")

    def indication(self, indication_id: str) -> dict | None:
        return self.one("select * from indications where id = ?", [indication_id])

    def narrower(self, indication_id: str) -> list[dict]:
        return self.rows("select id, label from indications where broader_id = ?", [indication_id])

    def coverage(self, indication_id: str, limit: int = -1) -> list[dict]:
        """Every statement applying to an indication (directly or via a broader one), with its policy's title;
        the first `limit` of them, if given."""
        return self.rows("""select m.*, p.title as policy_title from coverage_matrix m
                            join policies p on p.id = m.policy_id where m.indication_id = ?
                            order by m.policy_id, m.line_start limit ?""", [indication_id, limit])

    def indication_counts(self, indication_id: str) -> dict:
        """What an indication page heads with: its statements (`n_statements`, by status in `statuses`), the
        policies they come from, the works cited as evidence (`n_works`, by design in `designs`) and the works
        cited only as background (`n_background`)."""
        statuses = {row["status"]: row["n"] for row in self.rows(
            "select status, count(*) as n from coverage_matrix where indication_id = ? group by status "
            "order by min(rowid)", [indication_id])}
        designs = {row["design"]: row["n"] for row in self.rows(
            """select coalesce(w.design, ?) as design, count(*) as n from indication_evidence x
               join works w on w.id = x.work_id where x.indication_id = ? group by 1""",
            [NOT_CLASSIFIED, indication_id])}
        return {"n_statements": sum(statuses.values()), "statuses": statuses,
                "n_policies": self.conn.execute("select count(*) from policy_indications where indication_id = ?",
                                                [indication_id]).fetchone()[0],
                "n_works": sum(designs.values()), "designs": designs,
                "n_background": self.conn.execute("select count(*) from indication_background where indication_id = ?",
                                                  [indication_id]).fetchone()[0]}

    def matrix(self) -> tuple[list[str], list[tuple]]:
        """The coverage matrix pivoted: an indication per row (by id), a policy per column, statuses in the cells.

        A cell holds every status the policy gives the indication, "; "-separated, each marked
        "(via <broader indication>)" where the statement names a broader one.
        """
        policies = [row["id"] for row in self.rows("select id from policies order by id")]
        cells: dict[tuple[str, str], list[str]] = defaultdict(list)
        labels: dict[str, str] = {}
        for row in self.rows("select indication_id, indication, policy_id, status, mapping from coverage_matrix"):
            labels[row["indication_id"]] = row["indication"]
            mapping = "" if row["mapping"] == "direct" else f" ({row['mapping']})"
            cells[row["indication_id"], row["policy_id"]].append(row["status"] + mapping)
        return (["indication", *policies],
                [(labels[i], *("; ".join(cells.get((i, p), [])) for p in policies)) for i in sorted(labels)])

    # The evidence path: statement → citations → references → works → trials → results

    def evidence_works(self, indication_id: str) -> list[dict]:
        """The works cited as evidence by the statements on an indication, with the policy citing each."""
        return self.rows("""select distinct m.policy_id, e.work_id, w.first_author, w.year, w.title
                            from coverage_matrix m join evidence e on e.statement_id = m.statement_id
                            join works w on w.id = e.work_id
                            where m.indication_id = ? order by w.first_author, w.year""", [indication_id])

    def statements_citing(self, work_ids: list[str]) -> list[dict]:
        """The coverage statements resting on any of these works."""
        return self.rows(f"""select distinct s.id, s.policy_id, s.indication, s.status, s.line_start
                             from evidence e join statements s on s.id = e.statement_id
                             where e.work_id in ({_marks(work_ids)}) order by s.policy_id, s.ordinal""", work_ids)

    def indication_background(self, indication_id: str, limit: int = -1) -> list[dict]:
        """The works the statements on an indication cite only as background (never as evidence there), why, and
        the policies citing each so (`n_policies`, `policies`), those most policies cite first (the first `limit`,
        if given); computed at build time (indication_background), as aggregating the links per request took
        seconds at 10,000 policies."""
        return self.rows("""select b.work_id, w.first_author, w.year, w.title, b.reason, b.policies as n_policies,
                                   b.cited_by as policies
                            from indication_background b join works w on w.id = b.work_id
                            where b.indication_id = ?
                            order by b.policies desc, w.first_author, w.year, w.id limit ?""", [indication_id, limit])

    def statement_citation_roles(self, policy_id: str) -> dict[str, dict[str, dict]]:
        """For each statement of a policy, by role (evidence, background): how many works its passages cite so,
        and why a background link is background."""
        found: dict[str, dict[str, dict]] = defaultdict(dict)
        for row in self.rows("""select statement_id, role, count(distinct work_id) as works, min(role_reason) as reason
                                from statement_citations where policy_id = ? and work_id is not null
                                group by statement_id, role""", [policy_id]):
            found[row["statement_id"]][row["role"]] = row
        return dict(found)

    def statements_citing_as_background(self, work_ids: list[str]) -> list[dict]:
        """The coverage statements citing any of these works only as background, with why."""
        return self.rows(f"""select s.id, s.policy_id, s.indication, s.status, s.line_start,
                                    min(e.role_reason) as reason
                             from statement_citations e join statements s on s.id = e.statement_id
                             where e.role = 'background' and e.work_id in ({_marks(work_ids)})
                               and not exists (select 1 from evidence x where x.statement_id = s.id
                                               and x.work_id in ({_marks(work_ids)}))
                             group by s.id order by s.policy_id, s.ordinal""", work_ids + work_ids)

    def indication_trials(self, indication_id: str) -> list[dict]:
        """The trials the works cited as evidence on an indication report, one row per trial and work."""
        return self.rows("""select distinct t.id, coalesce(t.name, t.full_name) as name, p.work_id
                            from indication_evidence x join trial_publications p on p.work_id = x.work_id
                            join trials t on t.id = p.trial_id
                            where x.indication_id = ? order by t.id, p.work_id""", [indication_id])

    def trial_results(self, trial_id: str) -> list[dict]:
        return self.rows("select * from trial_results where trial_id = ? order by id", [trial_id])

    # Works: lookup, and where they are cited

    def work(self, work_id: str) -> dict | None:
        return self.one("select * from works where id = ?", [work_id])

    def works(self) -> list[dict]:
        return self.rows("select id, first_author, year, title from works order by id")

    def works_by_pmid(self, pmid: str) -> list[str]:
        return self._ids("select id from works where pmid = ?", [pmid])

    def works_by_doi(self, doi: str) -> list[str]:
        """Works with this DOI (any case), in the policies' citation or in the PubMed record."""
        doi = doi.lower()
        return self._ids("""select id from works where lower(doi) = ? union
                            select w.id from works w join pubmed_articles a on a.pmid = w.pmid
                            where lower(a.doi) = ?""", [doi, doi])

    def works_matching(self, expression: str, limit: int = 10) -> list[dict]:
        """Works whose title, first author, journal or year match an FTS5 expression, best first."""
        return self.rows("""select w.id, w.first_author, w.year, w.title from works_fts f
                            join works w on w.rowid = f.rowid where works_fts match ?
                            order by bm25(works_fts) limit ?""", [expression, limit])

    def cited_authors(self, year: int | None = None) -> list[dict]:
        """Each work with its first author as each policy writes it (and the work's year and title)."""
        where, params = ("where r.year = ?", [year]) if year is not None else ("", [])
        return self.rows(f"""select distinct r.work_id, r.first_author, w.year, w.title from policy_references r
                             join works w on w.id = r.work_id {where} order by r.work_id""", params)

    def reference_for(self, work_id: str) -> dict:
        """The policy entry a work's fields are read from: one with a PMID first, then by policy and position."""
        return self.one("""select * from policy_references where work_id = ?
                           order by pmid is null, policy_id, position limit 1""", [work_id])

    def guideline_version(self, work_id: str) -> str | None:
        found = self.one("select version from guidelines where work_id = ? limit 1", [work_id])
        return found["version"] if found else None

    def first_listed_by(self, work_ids: list[str], first: int) -> dict[str, tuple[list[str], int]]:
        """For each of these works, the first `first` policies (by id) whose reference lists hold it, and how
        many do: a landmark paper is listed by nearly every policy of a large corpus."""
        return {row["work_id"]: (row["first"].split(","), row["policies"]) for row in self.rows(
            f"""select c.work_id, c.policies,
                       (select group_concat(policy_id) from (select distinct policy_id from policy_references r
                        where r.work_id = c.work_id order by policy_id limit ?)) as first
                from work_citers c where c.work_id in ({_marks(work_ids)})""", [first, *work_ids])}

    def citing_places(self, work_id: str) -> list[dict]:
        """Every place policies cite a work: each reference entry, and each in-text citation of it."""
        return self.rows("""select policy_id, issuer, reference_number, reference_line, marker, cited_in_section,
                                   citation_line from citing_places where work_id = ?""", [work_id])

    def citation_audit(self, work_id: str) -> list[dict]:
        return self.rows("select * from citation_audit where work_id = ? order by reference_id", [work_id])

    def citation_anomalies(self, work_id: str) -> list[dict]:
        return self.rows("select * from citation_anomalies where work_id = ? order by id", [work_id])

    def pubmed_article(self, pmid: str | None) -> dict | None:
        return self.one("select * from pubmed_articles where pmid = ?", [pmid]) if pmid else None

    def pubmed_authors(self, pmid: str) -> list[dict]:
        return self.rows("select * from pubmed_authors where pmid = ? order by position", [pmid])

    def pubmed_mesh(self, pmid: str) -> list[dict]:
        return self.rows("select * from pubmed_mesh where pmid = ? order by ordinal", [pmid])

    # Trials

    def trials(self) -> list[dict]:
        """Every trial, with `label`: its name, else its full name."""
        return self.rows("select *, coalesce(name, full_name) as label from trials order by id")

    def trial(self, trial_id: str) -> dict | None:
        return self.one("select * from trials where id = ?", [trial_id])

    def trials_by_registry_id(self, registry_id: str) -> list[str]:
        return self._ids("select id from trials where upper(registry_id) = ?", [registry_id.upper()])

    def trials_named(self, name: str) -> list[str]:
        """Trials whose name, full name or id is this (any case)."""
        return self._ids("""select id from trials where lower(name) = lower(?) or lower(full_name) = lower(?)
                            or lower(id) = lower(?)""", [name, name, name])

    def trial_works(self, trial_ids: list[str]) -> list[str]:
        return self._ids(f"""select work_id from trial_publications where trial_id in ({_marks(trial_ids)})
                             order by trial_id, work_id""", trial_ids)

    def work_trials(self, work_id: str) -> list[dict]:
        """The trials a work reports, with its role (primary, follow-up ...)."""
        return self.rows("""select t.id, coalesce(t.name, t.full_name) as name, p.role from trial_publications p
                            join trials t on t.id = p.trial_id where p.work_id = ? order by t.id""", [work_id])

    def trial_publications(self, trial_id: str) -> list[dict]:
        return self.rows("""select p.role, w.* from trial_publications p join works w on w.id = p.work_id
                            where p.trial_id = ? order by w.year""", [trial_id])

    def trial_sources(self, trial_id: str) -> list[dict]:
        """The places policies describe a trial, with their quotes."""
        return self.rows("select * from trial_sources where trial_id = ? order by policy_id", [trial_id])

    # Is the evidence still current? New evidence since each review, and the registry status of listed trials

    def since_review(self, policy_id: str) -> dict | None:
        """A policy's last review and what is new since: counts and the one-line summary (view since_review)."""
        return self.one("select * from since_review where policy_id = ?", [policy_id])

    def review_searches(self, column: str, value: str) -> list[dict]:
        """The search for each indication a policy covers since its review (column: policy_id or indication_id)."""
        return self.rows(f"select * from review_searches where {_currency_column(column)} = ? "
                         "order by policy_id, indication_id", [value])

    def new_evidence(self, column: str, value: str) -> list[dict]:
        """Works no policy cites that a search since a review found (column: policy_id or indication_id)."""
        return self.rows(f"select * from new_evidence where {_currency_column(column)} = ? "
                         "order by evidence_type, pmid, policy_id", [value])

    def registry_status(self, column: str, value: str) -> list[dict]:
        """Listed trials beside their ClinicalTrials.gov records (column: policy_id, nct_id or trial_id)."""
        return self.rows(f"select * from trial_registry_status where {_currency_column(column)} = ? "
                         "order by policy_id, line_start", [value])

    def registry_publications(self, nct_id: str) -> list[dict]:
        return self.rows("select * from registry_publications where nct_id = ? order by pmid", [nct_id])

    # Search and the graph

    def search(self, words: list[str], limit: int = 25) -> dict[str, list[dict]]:
        """Works, statements, trials, guidelines and policies matching every word (as a prefix)."""
        expression, like = prefix_match(words), [f"%{w}%" for w in words]

        def containing(text: str) -> str:
            return " and ".join([f"({text} like ?)"] * len(words))
        return {
            "works": self.works_matching(expression, limit),
            "statements": self.rows("""select s.id, s.policy_id, s.indication, s.status, s.line_start
                                       from statements_fts f join statements s on s.rowid = f.rowid
                                       where statements_fts match ? order by bm25(statements_fts) limit ?""",
                                    [expression, limit]),
            "trials": self.rows("""select t.id, coalesce(t.name, t.full_name) as name, t.registry_id, t.design
                                   from trials_fts f join trials t on t.rowid = f.rowid
                                   where trials_fts match ? order by bm25(trials_fts) limit ?""", [expression, limit]),
            "lines": self.lines_matching(expression, limit),
            "guidelines": self.rows("select id, body, topic, version from guidelines where "
                                    + containing("coalesce(body, '') || ' ' || coalesce(topic, '')"), like),
            "policies": self.rows("select id, title from policies where "
                                  + containing("title || ' ' || coalesce(issuer, '')"), like),
        }

    def lines_matching(self, expression: str, limit: int) -> list[dict]:
        """Lines of the policies' own text matching an FTS5 expression, best first, each with a snippet whose
        matches are wrapped in \x02...\x03 (the page escapes the text, then marks them)."""
        return self.rows("""select l.policy_id, l.n, p.title, snippet(lines_fts, 0, char(2), char(3), '…', 24) as snippet
                            from lines_fts f join lines l on l.rowid = f.rowid join policies p on p.id = l.policy_id
                            where lines_fts match ? order by bm25(lines_fts), l.policy_id, l.n limit ?""",
                         [expression, limit])

    def neighbourhood(self, node_id: str, limit: int = 150) -> dict | None:
        """A graph node, its neighbours and the edges between them (at most `limit` edges); None if no node."""
        centre = self.one("select * from nodes where id = ?", [node_id])
        if centre is None:
            return None
        edges = self.rows("select * from edges where source = ? or target = ? order by type, id limit ?",
                          [node_id, node_id, limit])
        ids = sorted({node_id} | {e["source"] for e in edges} | {e["target"] for e in edges})
        return {"centre": centre, "edges": edges,
                "nodes": self.rows(f"select * from nodes where id in ({_marks(ids)}) order by id", ids)}

    # Reviewer views: the coverage grid, two policies compared, the weight of evidence (works.design)

    def indication_groups(self) -> list[dict]:
        """Indications with narrower ones: the groups the coverage grid is filtered by."""
        return self.rows("""select id, label from indications where id in (select broader_id from indications)
                            order by label""")

    def statuses(self) -> list[str]:
        return self._ids("select distinct status from statements where status is not null order by status", [])

    def coverage_cells(self, group: str | None = None, status: str | None = None,
                       policy_ids: list[str] | None = None) -> list[dict]:
        """coverage_matrix rows of the indications in a group (it and all narrower), of one status and of these
        policies, where given, in the grid's order (by indication label, issuer, policy and line: the order the
        build wrote them)."""
        where, params = self._coverage_filters(group, status)
        if policy_ids is not None:
            where.append(f"m.policy_id in ({_marks(policy_ids)})")
            params += policy_ids
        return self.rows(f"""select m.*, p.title as policy_title
                             from coverage_matrix m join policies p on p.id = m.policy_id
                             {'where ' + ' and '.join(where) if where else ''} order by m.rowid""", params)

    def coverage_cell_values(self, columns: list[str], group: str | None = None, status: str | None = None,
                             after: int = 0, limit: int = -1) -> list[tuple]:
        """coverage_cells as tuples of the rowid and these columns of coverage_matrix (or policy_title), `limit`
        of them after the row numbered `after`: for writing many at once, a chunk at a time (the coverage CSV)."""
        known = set(TABLES["coverage_matrix"].column_types) | {"policy_title"}
        if not set(columns) <= known:
            raise ValueError(f"coverage_matrix has no column {sorted(set(columns) - known)}")
        where, params = self._coverage_filters(group, status)
        picked = ", ".join("p.title" if c == "policy_title" else f"m.{c}" for c in columns)
        return self.conn.execute(f"""select m.rowid, {picked}
                                     from coverage_matrix m join policies p on p.id = m.policy_id
                                     where m.rowid > ? {''.join(' and ' + w for w in where)}
                                     order by m.rowid limit ?""", [after, *params, limit]).fetchall()

    def coverage_policies(self, group: str | None = None, status: str | None = None) -> list[str]:
        """The policies with a coverage_matrix row in a group, of a status (as coverage_cells), by issuer and id."""
        where, params = self._coverage_filters(group, status)
        return self._ids(f"""select distinct m.policy_id, m.issuer from coverage_matrix m
                             {'where ' + ' and '.join(where) if where else ''} order by m.issuer, m.policy_id""", params)

    @staticmethod
    def _coverage_filters(group: str | None, status: str | None) -> tuple[list[str], list]:
        where, params = [], []
        if group is not None:
            where.append("""m.indication_id in (with recursive subtree(id) as (select ? union
                            select i.id from indications i join subtree t on i.broader_id = t.id) select id from subtree)""")
            params.append(group)
        if status is not None:
            where.append("m.status = ?")
            params.append(status)
        return where, params

    def positions(self, policy_id: str) -> list[dict]:
        """A policy's statements, once per indication each names (indication_id null where it names none)."""
        return self.rows("""select si.indication_id, coalesce(i.label, s.indication) as indication, s.id as statement_id,
                                   s.ordinal, s.status, s.status_text, s.indication as statement_indication,
                                   s.logic as criteria_logic, sc.criteria, s.line_start, s.line_end
                            from statements s left join statement_indications si on si.statement_id = s.id
                            left join indications i on i.id = si.indication_id
                            left join statement_criteria sc on sc.statement_id = s.id
                            where s.policy_id = ? order by coalesce(i.label, s.indication), s.ordinal""", [policy_id])

    def cited_works(self, policy_id: str) -> list[dict]:
        """The works a policy's reference list holds, with their study design."""
        return self.rows("""select distinct w.id, w.first_author, w.year, w.title, w.design from policy_references r
                            join works w on w.id = r.work_id where r.policy_id = ?
                            order by w.first_author, w.year, w.id""", [policy_id])

    def review_date(self, policy_id: str) -> dict | None:
        return self.one("select review_date, date_text from policy_reviews where policy_id = ?", [policy_id])

    def statement_designs(self, statement_ids: list[str]) -> dict[str, dict[str, int]]:
        """For each statement, its evidence works counted by study design."""
        found: dict[str, dict[str, int]] = defaultdict(dict)
        for row in self.rows(f"""select e.statement_id, coalesce(w.design, ?) as design, count(distinct w.id) as n
                                 from evidence e join works w on w.id = e.work_id
                                 where e.statement_id in ({_marks(statement_ids)}) group by 1, 2""",
                             [NOT_CLASSIFIED, *statement_ids]):
            found[row["statement_id"]][row["design"]] = row["n"]
        return dict(found)

    def indication_evidence(self, indication_id: str, offset: int = 0, limit: int = -1) -> list[dict]:
        """The works cited as evidence by the statements on an indication, with their design, each with the
        number of policies citing it so there; those most policies cite first (`limit` of them from `offset`,
        if given). Counted at build time (indication_evidence)."""
        return self.rows("""select x.work_id, x.policies as citing_policies, w.first_author, w.year, w.title, w.design
                            from indication_evidence x join works w on w.id = x.work_id
                            where x.indication_id = ?
                            order by x.policies desc, w.n_policies desc, w.first_author, w.year, w.id
                            limit ? offset ?""", [indication_id, limit, offset])

    def _ids(self, sql: str, params) -> list[str]:
        """The first column, each value once, in order."""
        return list(dict.fromkeys(row[0] for row in self.conn.execute(sql, params)))
