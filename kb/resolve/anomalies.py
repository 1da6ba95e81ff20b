"""Citation anomalies, as rows: places where policies cite the same work differently, or not at all.

Each anomaly names the places involved: the reference entry (and, where two places disagree, the
other entry or the citing passage), so a reviewer can open both lines.
"""
from __future__ import annotations

import re
from collections import defaultdict

from rapidfuzz import fuzz

from ..text import expand_pages, fold
from .works import AUTHOR_MATCH

TITLE_SAME = 95  # below this similarity two titles of one work are reported as differing
_NAMED_IN_TEXT = re.compile(
    r"(?:^|(?<=\s))(?P<name>(?:(?:de|van|von|van der|el|al)\s)?[A-Z][\w'’\-]+)(?:\s+et al\.?)?\s*"
    r"\((?P<year>(?:19|20)\d{2})\)")


def _author_year(sentence: str) -> tuple[str, int] | None:
    """The last "Surname (Year)" / "Surname et al (Year)" of a sentence, not part of a longer proper name."""
    found = None
    for match in _NAMED_IN_TEXT.finditer(sentence):
        before = sentence[: match.start()].split()
        if before and before[-1][:1].isupper() and not before[-1].endswith((".", ",", ";", ":")):
            continue  # "American Urological Association (2021)": an organisation, not an author
        found = (match.group("name"), int(match.group("year")))
    return found


def _comparable(pages: str) -> str:
    return re.sub(r"[^0-9a-z]", "", pages.lower())


def _surnames(authors: str | None) -> list[str]:
    names = [a.strip() for a in re.split(r",\s*", authors or "") if a.strip() and not a.strip().startswith("et al")]
    return [re.sub(r"\s+[A-Z]{1,4}$", "", name) for name in names]


class _Collector:
    def __init__(self, where: dict[str, str]):
        self.rows: list[dict] = []
        self.where = where  # reference or citation id -> "file:line"

    def add(self, kind: str, work_id, reference: dict, other: dict | None, field, value, other_value, detail: str,
            citation_id: str | None = None) -> None:
        places = [self.where[reference["id"]]]
        if other is not None:
            places.append(self.where[other["id"]])
        if citation_id:
            places.insert(0, self.where[citation_id])
        self.rows.append({
            "id": f"anomaly:{len(self.rows) + 1}", "kind": kind, "work_id": work_id, "reference_id": reference["id"],
            "other_reference_id": other["id"] if other else None, "citation_id": citation_id, "field": field,
            "value": value, "other_value": other_value, "detail": f"{detail} ({' vs '.join(places)})",
        })


def find_anomalies(references: list[dict], citations: list[dict], targets: list[dict], works: list[dict],
                   where: dict[str, str]) -> list[dict]:
    out = _Collector(where)
    by_work: dict[str, list[dict]] = defaultdict(list)
    for ref in sorted(references, key=lambda r: (r["policy_id"], r["position"])):
        by_work[ref["work_id"]].append(ref)
    kind_of = {w["id"]: w["kind"] for w in works}
    for work_id in sorted(by_work):
        refs = by_work[work_id]
        base = next((r for r in refs if r["pmid"]), refs[0])
        for ref in refs:
            if ref is not base:
                _compare(out, work_id, base, ref)
        _duplicates(out, work_id, refs)
        _missing_pmids(out, work_id, refs, base, kind_of[work_id])
    _text_mismatches(out, references, citations, targets, by_work)
    return out.rows


def _compare(out: _Collector, work_id: str, base: dict, ref: dict) -> None:
    a, b = _surnames(base["authors"]), _surnames(ref["authors"])
    for position, (x, y) in enumerate(zip(a, b), start=1):
        if x != y:
            how = "differs only in diacritics or case" if fold(x) == fold(y) else "spelled differently"
            out.add("author-spelling", work_id, ref, base, f"author {position}", y, x,
                    f"author {position} {how}: {y!r} vs {x!r}")
    for field in ("year", "volume"):
        if base[field] and ref[field] and str(base[field]).strip() != str(ref[field]).strip():
            out.add(f"{field}-differs", work_id, ref, base, field, str(ref[field]), str(base[field]),
                    f"{field} {ref[field]} vs {base[field]}")
    if base["pages"] and ref["pages"] and _comparable(expand_pages(base["pages"])) != _comparable(
            expand_pages(ref["pages"])):
        out.add("pages-differ", work_id, ref, base, "pages", ref["pages"], base["pages"],
                f"pages {ref['pages']} vs {base['pages']}")
    if base["title"] and ref["title"]:
        score = fuzz.ratio(fold(base["title"]), fold(ref["title"]))
        if score < TITLE_SAME:
            out.add("title-differs", work_id, ref, base, "title", ref["title"], base["title"],
                    f"titles differ (similarity {score:.0f})")


def _duplicates(out: _Collector, work_id: str, refs: list[dict]) -> None:
    first_in_policy: dict[str, dict] = {}
    for ref in refs:
        if ref["policy_id"] in first_in_policy:
            other = first_in_policy[ref["policy_id"]]
            out.add("duplicate-entry", work_id, ref, other, None, None, None,
                    f"listed twice in one policy, as #{ref['number']} and #{other['number']}")
        else:
            first_in_policy[ref["policy_id"]] = ref


def _missing_pmids(out: _Collector, work_id: str, refs: list[dict], base: dict, kind: str) -> None:
    for ref in refs:
        if ref["pmid"]:
            continue
        if ref["pmid_raw"] is not None:
            out.add("pmid-empty", work_id, ref, None, "pmid", ref["pmid_raw"], None,
                    f"PMID field holds no id ({ref['pmid_raw']!r})" if ref["pmid_raw"] else "PMID field is empty")
        if base["pmid"]:
            out.add("pmid-missing", work_id, ref, base, "pmid", None, base["pmid"],
                    f"no PMID here, though another policy gives PMID {base['pmid']} for the same work")
        elif ref["pmid_raw"] is None and kind != "guideline":
            out.add("pmid-missing", work_id, ref, None, "pmid", None, None, "no PMID given")


class _Listed:
    """The reference entries by year and folded first author, to find those an "Author (Year)" names without
    scanning every entry for each passage: in by_work's order, and each name's answer kept for the next."""

    def __init__(self, by_work: dict[str, list[dict]]):
        self.index: dict[int | None, dict[str, list[tuple[int, dict]]]] = {}
        for order, ref in enumerate(r for work in by_work.values() for r in work):
            self.index.setdefault(ref["year"], {}).setdefault(fold(ref["first_author"]), []).append((order, ref))
        self.answers: dict[tuple[str, int], list[dict]] = {}

    def named(self, name: str, year: int) -> list[dict]:
        key = (fold(name), year)
        if key not in self.answers:
            found = [hit for author, hits in self.index.get(year, {}).items()
                     if fuzz.ratio(key[0], author) >= AUTHOR_MATCH for hit in hits]
            self.answers[key] = [ref for _, ref in sorted(found, key=lambda hit: hit[0])]
        return self.answers[key]


def _text_mismatches(out: _Collector, references: list[dict], citations: list[dict], targets: list[dict],
                     by_work: dict[str, list[dict]]) -> None:
    """A passage names "Author (Year)" but the entry its marker points to is another paper."""
    refs = {r["id"]: r for r in references}
    listed = _Listed(by_work)
    cited: dict[str, list[dict]] = defaultdict(list)
    for target in targets:
        if target["reference_id"]:
            cited[target["citation_id"]].append(refs[target["reference_id"]])
    for citation in citations:
        pointed = cited.get(citation["id"], [])
        named = _author_year(citation["sentence"])
        if not pointed or not named:
            continue
        name, year = named
        if any(fuzz.ratio(fold(name), fold(r["first_author"])) >= AUTHOR_MATCH and r["year"] == year
               for r in pointed):
            continue
        elsewhere = [r for r in listed.named(name, year) if r["policy_id"] != citation["policy_id"]]
        ref = pointed[0]
        detail = (f"the passage names {name} ({year}), but its marker {citation['marker']} points to "
                  f"{ref['first_author']} ({ref['year']})")
        if elsewhere:
            detail += f"; {name} ({year}) is listed by {elsewhere[0]['policy_id']} as #{elsewhere[0]['number']}"
        out.add("text-describes-unlisted-paper", ref["work_id"], ref, elsewhere[0] if elsewhere else None,
                "citation", f"{name} ({year})", f"{ref['first_author']} ({ref['year']})", detail,
                citation_id=citation["id"])
