"""The reference list: numbered, bulleted or unnumbered entries, split into fields.

An entry runs on over following lines (a URL on its own line, a journal after a blank line)
until the next entry or heading; an unnumbered list is a paragraph an entry. Fields come from the
shape of the citation. Vancouver, AMA and NLM: authors up to the first ". ", the journal in italics
or just before the date, then year (month);volume(issue):pages. APA: "Surname, I. I., & Other, I.
(2020). Title. Journal, 12(3), 45-52." The year is the publication's: a date the list gives for
when a page was read ("Retrieved November 22, 2024, from", "Accessed", "[cited ...]") is the
access date, never the year.
"""
from __future__ import annotations

import re

from .context import Context
from .dates import parse_date
from .markup import clean
from .records import Reference
from .vocabulary import Quick

_NAME = r"(?:[A-Za-z\u00C0-\u024F][\w'’\-\u00C0-\u024F]*\s){1,3}[A-Z]{1,4}\b"
_AUTHORS = re.compile(rf"^(?P<authors>{_NAME}(?:,\s*{_NAME})*(?:,?\s*et\.? al)?)\.\s+")
_CORPORATE = re.compile(r"^(?P<authors>[^.]{3,120}?)\.\s+")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?(?:\s*-\s*(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?)?"
_DATE_VOL = re.compile(
    rf"^(?:(?P<month>{_MONTH})\s+)?(?:\d{{1,2}}\s+)?(?P<year>(?:19|20)\d{{2}})"
    rf"(?:\s+(?P<month_after>{_MONTH})(?:\s+\d{{1,2}})?)?"
    r"(?:\s*;\s*(?P<volume>[^():;]*?))?\s*(?:\((?P<issue>[^)]*)\))?"
    r"\s*(?::\s*(?P<pages>[^;]+?(?:;\s*discussion\s+[^;]+?)?))?\s*\.?\s*$"
)
_JOURNAL_THEN_DATE = re.compile(r"(?:^|\.\s+)(?P<journal>[A-Z][^.]{1,90}?)\.?\s+(?P<rest>(?:" + _MONTH + r"\s+)?"
                                r"(?:\d{1,2}\s+)?(?:19|20)\d{2}(?:\s+" + _MONTH + r"(?:\s+\d{1,2})?)?\s*[;(:].*)$")
_ITALIC = re.compile(r"\*(?<!\*\*)(?!\*)(?P<body>[^*]+?)\*(?!\*)")  # the * first: the engine scans for it
# "PMID" first and the word boundary before it looked behind for after it: the regex engine scans for it at once
_PMID = re.compile(r"PMID(?<!\wPMID)\b\s*:?\s*(?P<rest>[^\n]*)$")
_DOI = re.compile(r"\b(?:doi:?\s*|https?://(?:dx\.)?doi\.org/)(?P<doi>10\.\d{4,9}/[^\s\]\)>]+)", re.I)
_URL = re.compile(r"\((?P<md>https?://[^)\s]+)\)|<(?P<angle>https?://[^>\s]+)>|(?P<bare>https?://[^\s\]\)>]+)")
_PMID_NUMBER = re.compile(r"(\d{1,9})\b")
_INITIALS = re.compile(r"\s+[A-Z]{1,4}$")  # after a surname: "Smith JA"
# Quick: most entries hold none of the words these need ("accessed", "[cited", "retrieved"), and are passed over
_ACCESSED = Quick(re.compile(r"\b(?:accessed(?:\s+on)?|\[cited|retrieved(?:\s+on)?)\s+"
                             r"(?P<date>(?:\d|(?-i:[A-Z][a-z]{2}))[^.\]]*?)"
                             r"(?:,?\s+from\b|[.\]]|$)", re.I))
# when the list's compiler read a page: no publication year here
_READ_ON = Quick(re.compile(r"\[cited[^\]]*\]|\b(?:accessed|retrieved)\b.*?(?:\bfrom\b|$)", re.I))
_APA = re.compile(r"^(?P<authors>[^()]{2,300}?)\s*\((?P<year>(?:19|20)\d{2})[a-z]?(?:,\s*[^)]{1,30})?\)\.?"
                  r"\s+(?P<rest>.+)$")
_APA_NAMES = re.compile(r"^[^\s,]+(?:[\s'-][^\s,]+)*,\s*(?:[A-Z]\.\s*-?)+(?:,|$)|&")
_APA_SOURCE = re.compile(r"^(?P<journal>[^,]{2,120}?),\s*(?P<volume>\d+)(?:\((?P<issue>[^)]+)\))?"
                         r"(?:,\s*(?P<pages>[A-Za-z]?\d+(?:\s*[-–]\s*[A-Za-z]?\d+)?))?\.?\s*$")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_VERSION_YEAR = re.compile(r"\bVersion\s+\d+\.(?P<year>(?:19|20)\d{2})\b", re.I)
_ABBREVIATIONS = ("No", "Vol", "al", "vs", "Inc", "Ltd", "Dr", "St", "e.g", "i.e")
_ITEM_START = re.compile(r"^\s*(?:(?P<number>\d{1,4})[.)]|\[(?P<bracketed>\d{1,4})\]|[-*•▪])\s+")


def _first_sentence(text: str) -> tuple[str, str]:
    for match in re.finditer(r"[.?!]\s+", text):
        before = text[: match.start()]
        if before.split()[-1:] and before.split()[-1].rstrip(".") in _ABBREVIATIONS:
            continue
        return before.strip(), text[match.end():]
    return text.strip(" ."), ""


def parse_reference(raw: str) -> dict:
    """Fields of one reference string (raw markdown); missing fields are left out."""
    fields: dict = {}
    text = raw.strip()
    pmid = _PMID.search(text)
    if pmid:
        rest = pmid.group("rest").strip()
        fields["pmid_raw"] = rest
        number = _PMID_NUMBER.match(rest)
        if number:
            fields["pmid"] = number.group(1)
        text = text[: pmid.start()].rstrip()
    # a DOI holds "10.", a URL "http" and a link "](": most entries hold none, and are not searched for them
    doi = _DOI.search(text) if "10." in text else None
    if doi:
        fields["doi"] = doi.group("doi").rstrip(".")
    url = _URL.search(text) if "http" in text else None
    if url:
        fields["url"] = clean(next(g for g in url.groups() if g))
    accessed = _ACCESSED.search(clean(text))
    if accessed:
        fields["accessed"] = parse_date(accessed.group("date")) or accessed.group("date").strip()
    plain_urlless = text
    if "http" in text or "](" in text:
        plain_urlless = re.sub(r"\[[^\]]*\]\([^)]*\)|<https?://[^>]*>|https?://\S+", "", plain_urlless)
    if "10." in plain_urlless:
        plain_urlless = _DOI.sub("", plain_urlless)
    plain_urlless = plain_urlless.rstrip(" .")

    head = _READ_ON.sub("", plain_urlless).strip(" .")  # when the list's compiler read a page is no field of it
    if _apa(fields, head):
        return fields
    authors = _AUTHORS.match(head)
    if authors:
        fields["authors"] = clean(authors.group("authors"))
    else:
        authors = _CORPORATE.match(head)
        if authors:
            fields["authors"] = clean(authors.group("authors"))
            fields["corporate_author"] = True
    if "authors" in fields:
        first = fields["authors"].split(",", 1)[0]
        fields["first_author"] = first if fields.get("corporate_author") else _INITIALS.sub("", first)
    body_raw = head[authors.end():] if authors else head

    italic = _ITALIC.search(body_raw)
    if italic:
        after = clean(body_raw[italic.end():]).lstrip(". ")
        date = _DATE_VOL.match(after)
        if date:
            fields["journal"] = clean(italic.group("body")).rstrip(". ")
            title = clean(body_raw[: italic.start()]).strip(" .")
            if title:
                fields["title"] = title
            _take_date(fields, date)
        elif not re.sub(r"\([^)]*\)", "", clean(body_raw[: italic.start()])).strip(" ."):
            fields["title"] = clean(italic.group("body")).rstrip(". ")
    if "year" not in fields:
        body = clean(body_raw)
        match = _JOURNAL_THEN_DATE.search(body)
        date = _DATE_VOL.match(match.group("rest")) if match else None
        if match and date:
            fields["journal"] = match.group("journal").strip()
            title = body[: match.start()].strip(" .")
            if title and "title" not in fields:
                fields["title"] = title
            _take_date(fields, date)
        else:
            if "title" not in fields:
                title, _rest = _first_sentence(re.sub(r"^(?:\([^)]*\)\.?\s*)+", "", body))
                if title and not _YEAR.fullmatch(title):
                    fields["title"] = title
            version = _VERSION_YEAR.search(body)
            years = _YEAR.findall(_READ_ON.sub("", body))
            if version:
                fields["year"] = int(version.group("year"))
            elif years:
                fields["year"] = int(years[-1])
    return fields


def _apa(fields: dict, head: str) -> bool:
    """Fields of an APA entry: "Doe, J., & Roe, R. (2020). Title. Journal, 12(3), 45-52."; False if it is not one."""
    match = _APA.match(clean(head))
    if not match or not _APA_NAMES.search(match.group("authors")):
        return False
    authors = match.group("authors").strip(" .")
    fields.update(authors=authors, first_author=authors.split(",")[0].strip(), year=int(match.group("year")))
    title, rest = _first_sentence(_READ_ON.sub("", match.group("rest")).strip())
    fields["title"] = title
    source = _APA_SOURCE.match(rest.strip()) if rest else None
    if source:
        fields["journal"] = source.group("journal").strip()
        for key in ("volume", "issue", "pages"):
            if source.group(key):
                fields[key] = source.group(key).strip()
    return True


def _take_date(fields: dict, date: re.Match) -> None:
    fields["year"] = int(date.group("year"))
    if date.group("month_after") and not date.group("month"):
        fields["month"] = date.group("month_after").strip()
    for key in ("month", "volume", "issue", "pages"):
        value = (date.group(key) or "").strip()
        if value:
            fields[key] = value


def extract_references(ctx: Context) -> list[Reference]:
    references: list[Reference] = []
    for run in ctx.runs("references"):
        listed = any(_ITEM_START.match(b.raw) for b in run if b.kind in ("item", "para"))
        for first, blocks, column, written in (_listed if listed else _paragraphs)(ctx, run):
            raw = " ".join([_unwrapped(first, first.raw[column:])] + [_unwrapped(b, b.raw) for b in blocks[1:]])
            span = ctx.doc.span(first.line, column, len(blocks[-1].raw.rstrip()), end_line=blocks[-1].line)
            number = int(written) if written else None
            reference = Reference(len(references) + 1, raw, span, ctx.section(first).number, number=number,
                                  **parse_reference(raw))
            references.append(reference)
            if reference.year is None:
                ctx.report("info", "reference-without-year", first.line,
                           f"reference {number or reference.position} gives no publication year: {raw[:80]!r}")
    _infer_numbers(ctx, references)
    _check_numbers(ctx, references)
    return references


def _listed(ctx: Context, run: list):
    """Numbered or bulleted entries; the text after an entry up to the next runs on in it."""
    entries: list[list] = []  # [first block, [blocks]]
    for block in run:
        start = _ITEM_START.match(block.raw) if block.kind in ("item", "para") else None
        if start and entries and _year_not_number(start.group("number"), entries[-1][0]):
            start = None  # "2013. PMID: ..." at the start of a line: an entry running on
        if start:
            entries.append([block, [block]])
            continue
        if not entries:
            _lead_in(ctx, block, "text before the first entry of the reference list")
            continue
        last = entries[-1][1][-1]
        joined = " ".join(b.raw for b in entries[-1][1])
        if block.line == last.line + 1 or "year" not in parse_reference(joined):
            entries[-1][1].append(block)  # the entry runs on (a URL, or a journal after a blank line)
        else:
            ctx.report("warning", "reference-text-unparsed", block.line,
                       f"text in the reference list that is not an entry: {block.text[:80]!r}")
    for first, blocks in entries:
        start = _ITEM_START.match(first.raw)
        yield first, blocks, start.end(), start.group("number") or start.group("bracketed")


def _paragraphs(ctx: Context, run: list):
    """Unnumbered entries, a paragraph each: one that gives a year, a PMID or an address opens an entry;
    a line right under an entry without one of its own (a URL, a journal) runs on in it."""
    entries: list[list] = []
    for block in run:
        if block.kind not in ("item", "para"):
            _lead_in(ctx, block, "a table row in the reference list, not an entry")
            continue
        own = bool(_YEAR.search(block.text) or _PMID.search(block.text) or _URL.search(block.raw))
        if own and not block.text.endswith(":"):
            entries.append([block, [block]])
        elif entries and block.line == entries[-1][1][-1].last_line + 1:
            entries[-1][1].append(block)
        else:
            _lead_in(ctx, block, "text in the reference list that is not an entry" if entries else
                     "text before the first entry of the reference list")
    for first, blocks in entries:
        yield first, blocks, first.start, None


def _lead_in(ctx: Context, block, what: str) -> None:
    """Text that is no entry: a line announcing the list is noted, anything else a warning."""
    announces = block.text.endswith(":") and not _YEAR.search(block.text)
    ctx.report("info" if announces else "warning", "reference-text-unparsed", block.line,
               f"{what}: {block.text[:80]!r}")


def _year_not_number(written: str | None, previous) -> bool:
    """A year where the list's next number would stand, which the previous entry's number does not lead to."""
    before = _ITEM_START.match(previous.raw).group("number")
    return bool(written and _YEAR.fullmatch(written) and (before is None or int(written) != int(before) + 1))


def _unwrapped(block, raw: str) -> str:
    """The entry's words with a wrapped block's line breaks and indents read as single spaces."""
    return " ".join(raw.split()) if block.last_line > block.line else raw.strip()


def _infer_numbers(ctx: Context, references: list[Reference]) -> None:
    """Unnumbered entries before a numbered run that continues their count get numbers by position."""
    leading = 0
    while leading < len(references) and references[leading].number is None:
        leading += 1
    if 0 < leading < len(references) and references[leading].number == leading + 1:
        for ref in references[:leading]:
            ref.number, ref.number_inferred = ref.position, True
        ctx.report("info", "reference-number-inferred", references[0].span.line_start,
                   f"references 1-{leading} are bullets, numbered by position because the list continues at "
                   f"{leading + 1}")


def _check_numbers(ctx: Context, references: list[Reference]) -> None:
    first_line: dict[int, int] = {}
    previous = None
    for ref in references:
        if ref.number is None:
            continue
        if ref.number in first_line:
            ctx.report("warning", "reference-number-duplicate", ref.span.line_start,
                       f"reference number {ref.number} is used twice (first at line {first_line[ref.number]})")
        elif previous is not None and ref.number != previous + 1:
            ctx.report("warning", "reference-number-gap", ref.span.line_start,
                       f"reference numbers jump from {previous} to {ref.number}")
        duplicate = ref.number in first_line
        first_line.setdefault(ref.number, ref.span.line_start)
        previous = previous + 1 if duplicate else ref.number  # a duplicate takes the next slot
