"""Page furniture, shared by the paged formats: running headers and footers, page numbers, and
words hyphenated at a line's end.

A running line is one that stands among the first or last lines of most pages, once its digits
are masked ("Page 3 of 12" and "Page 4 of 12" are the same line); a page number is a line with
nothing but one. Neither is ever content, so both are removed, and the removal is reported.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

EDGE = 3  # how many lines at the top and at the bottom of a page can be furniture
_PAGE_NUMBER = re.compile(r"^\W*(?:page|p\.|pg\.?)?\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\W*$", re.I)
_PAGE_OF = re.compile(r"\bpage\s+\d{1,4}\s+of\s+\d{1,4}\b", re.I)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text)).strip().lower()


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text.strip())) or bool(_PAGE_OF.search(text) and len(text.split()) <= 12)


def strip_furniture(pages: Sequence[Sequence[T]], text_of: Callable[[T], str]) -> tuple[list[list[T]], list[str]]:
    """Pages without their running headers, footers and page numbers; and one note per kind removed."""
    def edges(page: Sequence[T]) -> list[T]:
        filled = [line for line in page if text_of(line).strip()]
        return filled[:EDGE] + filled[max(EDGE, len(filled) - EDGE):]

    seen = Counter(key for page in pages for key in {_key(text_of(line)) for line in edges(page)})
    needed = max(2, (len(pages) + 1) // 2)
    running = {key for key, count in seen.items() if count >= needed and key} if len(pages) > 1 else set()
    removed: Counter = Counter()
    kept_pages = []
    for page in pages:
        edge_ids = {id(line) for line in edges(page)}
        kept = []
        for line in page:
            text = text_of(line)
            if id(line) in edge_ids and (_key(text) in running or is_page_number(text)):
                removed[text if _key(text) in running and not is_page_number(text) else "page numbers"] += 1
            else:
                kept.append(line)
        kept_pages.append(kept)
    notes = []
    for text, count in removed.items():
        if text == "page numbers":
            notes.append(f"removed page numbers from {count} pages")
        else:
            key_count = sum(n for t, n in removed.items() if _key(t) == _key(text))
            note = f"removed a running header or footer from {key_count} pages: {_key(text)[:70]!r}"
            if note not in notes:
                notes.append(note)
    return kept_pages, notes


_WORD = re.compile(r"[A-Za-z]+")


def vocabulary(texts: Sequence[str]) -> Counter:
    """Words (and hyphenated compounds) of a document, to decide how a word broken at a line end is joined."""
    words: Counter = Counter()
    for text in texts:
        words.update(w.lower() for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", text))
        words.update(w.lower() for w in _WORD.findall(text))
    return words


def join_lines(first: str, second: str, words: Counter) -> str:
    """Two lines of one paragraph as one: a word broken with a hyphen is joined, unless the document
    writes it hyphenated elsewhere and never whole."""
    second = second.lstrip()
    if re.search(r"\d[-–]$", first) and second[:1].isdigit():  # a range broken after its dash: 96-|97
        return first + second
    head = re.search(r"([A-Za-z]+)-$", first)
    tail = re.match(r"(?:\*{1,3})?([a-z]+)", second)  # emphasis may open on the second half
    if not (head and tail):
        return f"{first.rstrip()} {second}" if first.strip() else second
    whole = (head.group(1) + tail.group(1)).lower()
    hyphenated = f"{head.group(1)}-{tail.group(1)}".lower()
    if words[hyphenated] and not words[whole]:
        return first + second
    return first[:-1] + second
