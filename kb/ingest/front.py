"""What a policy says of itself: title, numbers, dated fields, related and replaced policies."""
from __future__ import annotations

import re

from .context import Context
from .dates import find_dates
from .markup import clean, html_fragments
from .records import Field, RelatedPolicy

_FIELD = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*|<b>)?(?P<label>[A-Z][A-Za-z0-9 ./()'’&-]{1,50}?)\s*(?:\*\*|</b>)?\s*:\s*"
    r"(?:\*\*|</b>)?\s*(?P<value>\S.*?)\s*$"
)
_DATE_LABEL = re.compile(r"\b(date|effective|review|revis\w*|origin|updated|approved)\b", re.I)
_ID_LABELS = {
    "number": re.compile(r"^(?:(?:medical\s+)?policy(?:\s+(?:number|no\.?|#))?|number|no\.?)$", re.I),
    "bcbsa_reference": re.compile(r"^bcbsa\s+ref(?:erence|\.)?(?:\s+(?:number|policy|no\.?))?$", re.I),
    "replaces": re.compile(r"^replaces$", re.I),
    "other": re.compile(r"^(?:ncd/lcd|fda product codes?)$", re.I),
}
_NUMBER_HEADING = re.compile(r"^medical policy\s*[–—-]\s*(?P<number>[\w.]+)$", re.I)
_POLICY_NUMBER = re.compile(r"#\s*(?P<a>\d[\w.]*)|\bPolicy\s+No\.?\s*(?P<b>[\w.]+)|^(?P<c>\d+\.\d+\.\d+)\s")
# What kind of document it is, or whose, not what it is about ("Medical Coverage Policy", "Example Health
# Plan"): a short heading without "of" or "for" that ends in a word of terms.yml "document-banner".
_BANNER = r"^(?!.*\b(?:of|for)\b)(?:\S+\s+){{0,5}}(?:{words})(?:\s*\(\w+\))?$"
_DATES_ONLY = re.compile(r"^[\s;,]*(?:[A-Z][a-z]+\.? \d{1,2}, \d{4}[\s;,]*)+$")


def extract_front(ctx: Context, policy) -> None:
    """Fill the policy's title, number, BCBSA reference, fields and related policies."""
    last_date_field: Field | None = None
    for block in ctx.blocks:
        kind = ctx.section(block).kind
        if block.kind not in ("para", "heading") or kind in ("references", "history"):
            continue
        match = _NUMBER_HEADING.match(block.text)
        if match and policy.number is None:
            policy.number = match.group("number")
            policy.fields.append(Field("Medical Policy", policy.number, _span(ctx, block)))
            continue
        match = _FIELD.match(block.raw) if ":" in block.raw else None  # a field has its colon
        label = clean(match.group("label")) if match else None
        value = clean(match.group("value")) if match else None
        if match and _DATE_LABEL.search(label) and find_dates(value):
            last_date_field = None
            for start, end, iso in find_dates(value):
                fld = Field(label, value[start:end], _date_span(ctx, block, value[start:end]), iso,
                            _context(ctx, block))
                policy.fields.append(fld)
                last_date_field = fld
            continue
        if last_date_field and block.line == last_date_field.span.line_end + 1 and _DATES_ONLY.match(block.text):
            for start, end, iso in find_dates(block.text):  # "Revision Date(s):" running on over lines
                fld = Field(last_date_field.label, block.text[start:end],
                            _date_span(ctx, block, block.text[start:end]), iso, last_date_field.context)
                policy.fields.append(fld)
                last_date_field = fld
            continue
        last_date_field = None
        if not match:
            continue
        if label.lower() == "title" and policy.title is None:
            policy.title, policy.title_span = value, _span(ctx, block)
        elif label.lower() == "subject" and policy.title is None:
            policy.title, policy.title_span = _subject(ctx, block, value)
        value = value.rstrip(".")
        for key, pattern in _ID_LABELS.items():
            if pattern.match(label) and len(value.split()) <= 3:
                policy.fields.append(Field(label, value, _span(ctx, block)))
                if key == "number" and policy.number is None:
                    policy.number = value
                elif key == "bcbsa_reference" and policy.bcbsa_reference is None:
                    policy.bcbsa_reference = value
                elif key == "replaces":
                    policy.related.append(RelatedPolicy("replaces", _span(ctx, block), number=value))
    if policy.title is None:
        _title_from_headings(ctx, policy)
    policy.related += _related(ctx)


def _span(ctx: Context, block):
    return ctx.doc.span(block.line, 0, len(block.raw.rstrip()))


def _date_span(ctx: Context, block, written: str):
    """The date's own characters where the raw line holds them as written, else the whole line."""
    at = block.raw.find(written)
    return ctx.doc.span(block.line, at, at + len(written)) if at >= 0 else _span(ctx, block)


def _context(ctx: Context, block) -> str | None:
    section = ctx.section(block)
    return section.heading or None


def _subject(ctx: Context, block, value: str):
    """"SUBJECT: Cryoablation" followed by a list of what it covers: the title names both."""
    items, last = [], block
    for nxt in ctx.blocks[ctx.position(block) + 1:]:
        if nxt.kind != "item" or nxt.line > last.line + 1:
            break
        items.append(nxt.text)
        last = nxt
    title = f"{value}: {'; '.join(items)}" if items else value
    return title, ctx.doc.span(block.line, 0, len(last.raw.rstrip()), end_line=last.line)


def _title_from_headings(ctx: Context, policy) -> None:
    """The first level-1 heading, else the first heading that is not a banner or a field."""
    headings = [b for b in ctx.blocks if b.kind == "heading"]
    banner = re.compile(_BANNER.format(words=ctx.vocab.term("document-banner").pattern), re.I)
    candidates = [b for b in headings if b.level == 1 and not banner.match(b.text)] or [
        b for b in headings if ":" not in b.text and not banner.match(b.text) and not _NUMBER_HEADING.match(b.text)]
    if candidates:
        block = candidates[0]
        policy.title, policy.title_span = block.text, _span(ctx, block)


def _related(ctx: Context) -> list[RelatedPolicy]:
    """Entries of "Related Policies" / "Cross References" lists, and of a "Related Policies:" table cell."""
    found = []
    for block in ctx.blocks:
        if block.kind == "row" and block.cells and re.match(r"related polic", block.cells[0].text, re.I):
            for cell in block.cells[1:]:
                for frag in html_fragments(cell.raw, cell.start):
                    found.append(_related_entry(frag.raw, ctx.doc.span(block.line, frag.start, frag.end)))
            continue
        if ctx.section(block).kind != "related" or block.kind not in ("item", "para"):
            continue
        if block.kind == "para" and not _POLICY_NUMBER.search(block.text):
            continue  # navigation text, not an entry
        found.append(_related_entry(block.body, ctx.doc.span(block.line, block.start, len(block.raw.rstrip()))))
    return found


def _related_entry(raw: str, span) -> RelatedPolicy:
    link = re.match(r"^\s*\[(?P<title>(?:[^\]\\]|\\.)+)\]\([^)]*\)", raw)
    text = clean(raw)
    number_match = _POLICY_NUMBER.search(text)
    number = next((g for g in number_match.groups() if g), None) if number_match else None
    if link:
        title = clean(link.group("title"))
        tail = clean(raw[link.end():]).strip(" ,")
        parts = [p.strip() for p in tail.split(",") if p.strip() and not _POLICY_NUMBER.search(p)]
        category = parts[0] if parts else None
    else:
        title = text
        if number_match:
            title = (text[: number_match.start()] + text[number_match.end():]).strip(" ,#")
        category = None
    return RelatedPolicy("related", span, title=title or None, number=number, category=category)
