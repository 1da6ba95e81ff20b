"""Rows for every table, from parsed policies. Ids are stable text keys: "<policy>:<kind>:<n>"."""
from __future__ import annotations

from collections.abc import Iterator

from ..ingest.document import Span
from ..ingest.records import Policy
from ..curation import PolicyEntry
from .manifest import review_status
from .schema import TABLES, columns_disagree


def _span(span: Span | None) -> dict:
    if span is None:
        return {"line_start": None, "line_end": None, "char_start": None, "char_end": None}
    return {"line_start": span.line_start, "line_end": span.line_end,
            "char_start": span.char_start, "char_end": span.char_end}


def policy_rows(entry: PolicyEntry, policy: Policy, origins: dict[int, str] | None = None) -> dict[str, list[dict]]:
    """All rows drawn from one policy, keyed by table name; origins: each line's place in the original."""
    pid = entry.id
    doc = policy.document
    section_id = {s.number: f"{pid}:section:{s.number}" for s in policy.sections}
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    tables["policies"].append({
        "id": pid, "title": policy.title, "number": policy.number, "bcbsa_reference": policy.bcbsa_reference,
        "issuer": entry.issuer.name, "issuer_evidence": entry.issuer.evidence, "issuer_line": entry.issuer.line,
        "issuer_note": entry.issuer.note, "file": entry.file, "original_name": entry.original_name,
        "sha256": doc.sha256, "reviewed_sha256": entry.sha256, "review_status": review_status(entry, doc.sha256),
        "n_lines": len(doc.lines), "text": doc.text,
        "title_line": policy.title_span.line_start if policy.title_span else None,
        "original": entry.original, "original_sha256": entry.original_sha256, "added": entry.added,
    })
    origins = origins or {}
    tables["lines"] += [{"policy_id": pid, "n": n, "text": text, "origin": origins.get(n)}
                        for n, text in enumerate(doc.lines, start=1)]
    tables["policy_fields"] += [
        {"id": f"{pid}:field:{i}", "policy_id": pid, "label": f.label, "value": f.value, "date": f.date,
         "context": f.context, **_span(f.span)} for i, f in enumerate(policy.fields, start=1)]
    tables["sections"] += [
        {"id": section_id[s.number], "policy_id": pid, "number": s.number,
         "parent_id": section_id.get(s.parent) if s.parent is not None else None, "level": s.level,
         "heading": s.heading, "path": s.path, "kind": s.kind, **_span(s.span)} for s in policy.sections]
    for s in policy.statements:
        sid = f"{pid}:statement:{s.ordinal}"
        tables["statements"].append({
            "id": sid, "policy_id": pid, "section_id": section_id[s.section], "ordinal": s.ordinal,
            "label": s.label, "indication": s.indication, "status": s.status, "status_text": s.status_text,
            "logic": s.logic, "line_of_business": s.line_of_business, "lead_in": s.lead_in, "text": s.text,
            **_span(s.span)})
        for c in s.criteria:
            cid = f"{sid}:criterion:{c.ordinal}"
            tables["criteria"].append({
                "id": cid, "statement_id": sid, "policy_id": pid, "ordinal": c.ordinal, "label": c.label,
                "parent_id": f"{sid}:criterion:{c.parent}" if c.parent else None, "kind": c.kind, "text": c.text,
                "connective": c.connective, "logic": c.logic, **_span(c.span)})
            tables["thresholds"] += [
                {"id": f"{cid}:threshold:{i}", "criterion_id": cid, "subject": t.subject, "comparator": t.comparator,
                 "comparator_text": t.comparator_text, "value": t.value, "unit": t.unit}
                for i, t in enumerate(c.thresholds, start=1)]
        tables["statement_codes"] += [{"statement_id": sid, "system": system, "code": code}
                                      for system, code in dict.fromkeys(s.codes)]
    tables["codes"] += [
        {"id": f"{pid}:code:{i}", "policy_id": pid, "section_id": section_id[c.section], "system": c.system,
         "code": c.code, "description": c.description, "status": c.status, "status_text": c.status_text,
         **_span(c.span)} for i, c in enumerate(policy.codes, start=1)]
    tables["code_notes"] += [
        {"id": f"{pid}:code-note:{i}", "policy_id": pid, "system": n.system, "note": n.note, "status": n.status,
         **_span(n.span)} for i, n in enumerate(policy.code_notes, start=1)]
    ref_id = {r.position: f"{pid}:reference:{r.position}" for r in policy.references}
    ref_by_number = {}
    for r in policy.references:
        if r.number is not None:
            ref_by_number.setdefault(r.number, ref_id[r.position])
        tables["policy_references"].append({
            "id": ref_id[r.position], "policy_id": pid, "section_id": section_id[r.section],
            "position": r.position, "number": r.number, "number_inferred": int(r.number_inferred),
            "authors": r.authors, "first_author": r.first_author, "corporate_author": int(r.corporate_author),
            "title": r.title, "journal": r.journal, "year": r.year, "month": r.month, "volume": r.volume,
            "issue": r.issue, "pages": r.pages, "pmid": r.pmid, "pmid_raw": r.pmid_raw, "doi": r.doi,
            "url": r.url, "accessed": r.accessed, "raw": r.raw, "work_id": None, "match_method": None,
            "match_score": None, **_span(r.span)})
    for i, c in enumerate(policy.citations, start=1):
        cid = f"{pid}:citation:{i}"
        tables["citations"].append({
            "id": cid, "policy_id": pid, "section_id": section_id[c.section], "marker": c.marker,
            "numbers": ", ".join(map(str, c.numbers)), "sentence": c.sentence, **_span(c.span)})
        tables["citation_targets"] += [
            {"citation_id": cid, "number": n, "reference_id": ref_by_number.get(n)} for n in dict.fromkeys(c.numbers)]
    tables["statement_evidence"] += [
        {"statement_id": f"{pid}:statement:{e.statement}", "citation_id": f"{pid}:citation:{e.citation}",
         "sites": e.sites, "role": e.role, "role_reason": e.reason} for e in policy.evidence]
    tables["registered_trials"] += [
        {"id": f"{pid}:trial:{i}", "policy_id": pid, "section_id": section_id[t.section], "nct_id": t.nct_id,
         "title": t.title, "planned_enrollment": t.planned_enrollment, "completion_date": t.completion_date,
         "completion_date_text": t.completion_date_text, "group_label": t.group, "note": t.note, "source": t.source,
         **_span(t.span)} for i, t in enumerate(policy.trials, start=1)]
    tables["guideline_mentions"] += [
        {"id": f"{pid}:guideline:{i}", "policy_id": pid, "section_id": section_id[g.section], "body": g.body,
         "guideline_id": None,
         "kind": g.kind, "topic": g.topic, "version": g.version, "year": g.year, "source": g.source,
         "reference_id": ref_id.get(g.reference_position), "text": g.text, **_span(g.span)}
        for i, g in enumerate(policy.guidelines, start=1)]
    tables["guideline_recommendations"] += [
        {"id": f"{pid}:recommendation:{i}", "policy_id": pid, "section_id": section_id[r.section],
         "mention_id": f"{pid}:guideline:{r.mention}" if r.mention else None, "guideline_id": None,
         "text": r.text, "category": r.category, "label": r.label,
         "level_of_recommendation": r.level_of_recommendation, "level_of_evidence": r.level_of_evidence,
         **_span(r.span)} for i, r in enumerate(policy.recommendations, start=1)]
    tables["policy_history"] += [
        {"id": f"{pid}:history:{i}", "policy_id": pid, "date": h.date, "date_text": h.date_text, "text": h.text,
         **_span(h.span)} for i, h in enumerate(policy.history, start=1)]
    tables["related_policies"] += [
        {"id": f"{pid}:related:{i}", "policy_id": pid, "relation": r.relation, "number": r.number,
         "title": r.title, "category": r.category, **_span(r.span)} for i, r in enumerate(policy.related, start=1)]
    tables["devices"] += [
        {"id": f"{pid}:device:{i}", "policy_id": pid, "name": d.name, "manufacturer": d.manufacturer,
         **_span(d.span)} for i, d in enumerate(policy.devices, start=1)]
    return tables


def problem_rows(problems) -> Iterator[dict]:
    for i, p in enumerate(problems, start=1):
        yield {"id": i, "file": p.source, "line": p.line, "severity": p.severity, "code": p.code,
               "message": p.message}


def compact_row_type(columns: tuple[str, ...], table: str | None = None, shared: tuple[str, ...] = ()) -> type:
    """A row type keeping these columns in slots, read and written as a dict row is (row["pmid"], row.get(...),
    row.update(...), row.keys(), len(row)): 184 bytes for 19 columns where a dict takes 464, for the rows a build
    holds for the whole corpus (half a million references at 10,000 policies). Made from a dict with (at least)
    these columns; for a `table`, a dict with other columns is refused, as inserting it would be.

    The values of the `shared` columns are held once however many rows repeat them (a work's title, authors
    and journal, in the reference of every policy citing it), for as long as the type is."""
    known: dict = {}
    named = frozenset(columns)  # a column looked up by hash, not along the tuple: resolve reads millions

    class Row:
        __slots__ = columns

        def __init__(self, row: dict):
            if table is not None and (len(row) != len(columns) or not all(c in row for c in columns)):
                raise columns_disagree(table, row, columns)
            for column in columns:
                setattr(self, column, row[column])
            for column in shared:
                value = row[column]
                if value is not None:
                    setattr(self, column, known.setdefault(value, value))

        def __getitem__(self, column: str):
            if column not in named:
                raise KeyError(column)
            return getattr(self, column)

        def __setitem__(self, column: str, value) -> None:
            if column not in named:
                raise KeyError(column)
            setattr(self, column, value)

        def get(self, column: str, default=None):
            return getattr(self, column) if column in named else default

        def update(self, **values) -> None:
            for column, value in values.items():
                self[column] = value

        def keys(self) -> tuple[str, ...]:
            return columns

        def __len__(self) -> int:
            return len(columns)

    return Row
