"""Guidelines and position statements a policy names: in its reference list and in its prose.

Bodies come from the curated list data/curation/guideline_bodies.yml; a passage counts as naming
a guideline when it names a body, says what kind of document it is, and gives a version, a
year or a topic (so boilerplate like "guidelines issued by ... NICE" is not taken for one).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .context import Context
from .records import Guideline, Reference
from .vocabulary import Quick, lowered

_VERSION = re.compile(r"\b(?:Version|v\.?)\s*(?P<v>\d+\.(?P<y>(?:19|20)\d{2}))\b", re.I)
_PAREN_YEAR = re.compile(r"\((?P<y>(?:19|20)\d{2})(?:,\s*updated\s+(?P<u>(?:19|20)\d{2}))?\)")
_TOPIC = re.compile(
    r"\b(?:guidelines?|appropriateness criteria(?:\s*[®™]|\s*\(R\))?(?:\s*\([^)]*\))?)\s+(?:on|for)\s+(?:the\s+)?"
    r"(?P<t>[^(.,\"“;:]+?)(?=\s*\(|\s+(?:state|address|consider|include|made|make|indicate|support|note|do|"
    r"recommend|list)\w*\b|[.,\"“;:]|$)",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


@dataclass(frozen=True)
class Body:
    id: str
    name: str
    pattern: Quick


def load_bodies(entries: list[dict]) -> list[Body]:
    bodies = []
    for entry in entries:
        names = [re.escape(entry["name"])] + [
            re.escape(a) for a in entry.get("aliases", []) if not a.isupper()]
        abbreviations = [re.escape(a) for a in entry.get("aliases", []) if a.isupper()]
        parts = []
        if names:
            parts.append(r"(?i:\b(?:" + "|".join(names) + r")\b)")
        if abbreviations:
            parts.append(r"\b(?:" + "|".join(abbreviations) + r")\b")
        bodies.append(Body(entry["id"], entry["name"], Quick(re.compile("|".join(parts)))))
    return bodies


def curated_bodies(curation) -> list[Body]:
    """The guideline bodies of data/curation/guideline_bodies.yml (kb.curation.Curation), ready to match."""
    return load_bodies([{"id": b.id, "name": b.name, "aliases": b.aliases} for b in curation.guideline_bodies])


def _bodies_in(text: str, bodies: list[Body]) -> list[Body]:
    folded = lowered(text)  # once for every body
    return [body for body in bodies if body.pattern.search_in(text, folded)]


def from_references(ctx: Context, references: list[Reference], bodies: list[Body]) -> list[Guideline]:
    found = []
    for ref in references:
        named = _bodies_in(ref.authors or "", bodies) if ref.corporate_author else []
        version = _VERSION.search(ref.raw)
        kind = ctx.vocab.guideline_kinds.first(ref.raw) or ("guideline" if named and version else None)
        if not kind:
            continue  # a versioned document by a guideline body is a guideline even unnamed as one
        named = named or _bodies_in(ref.raw, bodies)
        topic = ctx.vocab.series_topic(ref.title or "") or ctx.vocab.series_topic(ref.raw)
        found.append(Guideline(
            named[0].id if named else None, ref.span, ref.section, kind, ref.raw,
            topic=topic or ref.title,
            version=version.group("v") if version else None,
            year=int(version.group("y")) if version else ref.year,
            source="reference", reference_position=ref.position,
        ))
    return found


def from_text(ctx: Context, bodies: list[Body]) -> list[Guideline]:
    found = []
    for block in ctx.blocks:
        if block.kind not in ("para", "item") or ctx.section(block).kind in ("references", "history"):
            continue
        if not ctx.vocab.text_kinds.may_match(block.text):
            continue  # it names no kind of guideline, nor then does any sentence of it
        for sentence in _SENTENCE.split(block.text):
            kind = ctx.vocab.text_kinds.first(sentence)
            named = _bodies_in(sentence, bodies) if kind else []
            for body in named:
                version = _VERSION.search(sentence)
                year = _PAREN_YEAR.search(sentence)
                topic = _TOPIC.search(sentence)
                if not (version or year or topic):
                    continue
                found.append(Guideline(
                    body.id, ctx.doc.span(block.line, block.start, len(block.raw.rstrip())),
                    ctx.section(block).number, kind, sentence,
                    topic=topic.group("t").strip() if topic else None,
                    version=version.group("v") if version else None,
                    year=int(version.group("y")) if version else (int(year.group("u") or year.group("y"))
                                                                   if year else None),
                ))
    return found
