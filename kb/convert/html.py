"""A policy published as a web page: headings, paragraphs, lists and tables in the parser's text form.

Headings become `#` lines, list items `-` or their enumerator (from <ol>'s type, start and value),
table rows tab-separated cells (a cell holding paragraphs or lists keeps them as <p>, <ul>, <li>),
bold and italic `**` and `*`, superscripts <sup>. Site chrome (navigation, scripts, a header or
footer outside the article) is dropped. A login or error page is refused.
"""
from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from ..text import to_roman
from .model import Converted, ConvertError, Line

_DROP = {"script", "style", "noscript", "template", "head", "nav", "iframe", "svg", "button", "select", "img"}
_CHROME = {"header", "footer", "aside"}  # page chrome, unless inside the article itself
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {"p", "div", "section", "article", "main", "blockquote", "address", "figure", "figcaption", "dl", "dt",
           "dd", "center", "form", "fieldset", "details", "summary", "header", "footer", "aside", "pre", "hr",
           "caption", "body", "html", "ul", "ol", "li", "table", *_HEADINGS}
_ERROR_TITLE = re.compile(r"\b(?:[45]\d\d\b|not found|forbidden|unauthori[sz]ed|access denied|server error|"
                          r"service unavailable|bad gateway|session (?:has )?expired|page (?:is )?unavailable)", re.I)
_LOGIN_TITLE = re.compile(r"\b(?:log ?in|sign ?in|log ?on|sign ?on)\b", re.I)
_SPACE = re.compile(r"\s+")


def _path(tag: Tag) -> str:
    """An XPath to the element and its line in the file: where a reviewer finds it in the original."""
    parts = []
    node = tag
    while isinstance(node, Tag) and node.name != "[document]":
        same = [s for s in node.parent.find_all(node.name, recursive=False)] if node.parent else [node]
        parts.append(f"{node.name}[{same.index(node) + 1}]" if len(same) > 1 else node.name)
        node = node.parent
    where = "/" + "/".join(reversed(parts))
    return f"{where} (line {tag.sourceline})" if tag.sourceline else where


def _words(soup: BeautifulSoup) -> int:
    return len(soup.get_text(" ").split())


def _refuse_non_policy(path: Path, soup: BeautifulSoup) -> None:
    if soup.find("input", attrs={"type": re.compile("^password$", re.I)}):
        raise ConvertError(f"{path}: a login page (it asks for a password), not a policy; save the page after "
                           f"signing in")
    title = " ".join(t.get_text(" ", strip=True) for t in soup.find_all(["title", "h1"], limit=2))
    if _words(soup) < 300:
        if _ERROR_TITLE.search(title):
            raise ConvertError(f"{path}: an error page ({_SPACE.sub(' ', title).strip()[:80]!r}), not a policy")
        if _LOGIN_TITLE.search(title):
            raise ConvertError(f"{path}: a login page ({_SPACE.sub(' ', title).strip()[:80]!r}), not a policy")


def _label(number: int, style: str) -> str:
    if style in ("a", "A", "lower-alpha", "upper-alpha", "lower-latin", "upper-latin"):
        letters = ""
        while number > 0:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters.upper() if style in ("A", "upper-alpha", "upper-latin") else letters
    if style in ("i", "I", "lower-roman", "upper-roman"):
        roman = to_roman(number)
        return roman.upper() if style in ("I", "upper-roman") else roman
    return str(number)


def _list_style(tag: Tag) -> str | None:
    match = re.search(r"list-style(?:-type)?\s*:\s*([a-z-]+)", tag.get("style") or "")
    return match.group(1) if match else None


class _Reader:
    def __init__(self):
        self.lines: list[Line] = []

    def emit(self, text: str, tag: Tag, kind: str) -> None:
        text = text if kind == "row" else text.replace("\t", " ").strip()
        if text.strip("*\t "):
            self.lines.append(Line(text, _path(tag), kind))

    # inline content -------------------------------------------------------------------------------
    def inline(self, node: Tag, cell: bool = False) -> str:
        """Text of inline content; block children (in a cell) are written as <p>, <ul>, <li>."""
        out = []
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                out.append(_SPACE.sub(" ", str(child)))
            elif isinstance(child, Tag):
                out.append(self.inline_tag(child, cell))
        return "".join(out)

    def inline_tag(self, tag: Tag, cell: bool) -> str:
        name = tag.name
        if name in _DROP:
            return ""
        if name == "br":
            return "<br>" if cell else "\n"
        if cell and name in ("p", "div", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6"):
            inner = self.inline(tag, cell).strip()
            if not inner:
                return ""
            kind = {"ol": "ul", "div": "p"}.get(name, "p" if name in _HEADINGS else name)
            return f" <{kind}>{inner}</{kind}> "
        inner = self.inline(tag, cell)
        if name in ("b", "strong", "i", "em"):
            mark = "**" if name in ("b", "strong") else "*"
            core = inner.strip()
            if not core or core.strip("*") == "" or "\n" in core:
                return inner
            lead, trail = inner[: len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()):]
            return f"{lead}{mark}{core}{mark}{trail}"
        if name == "sup":
            core = inner.strip()
            return f"<sup>{core}</sup>" if core else ""
        return inner

    # block content --------------------------------------------------------------------------------
    def blocks(self, node: Tag) -> None:
        pending: list = []  # loose inline children between blocks

        def flush():
            if pending:
                text = "".join(self.inline_tag(c, False) if isinstance(c, Tag) else
                               ("" if isinstance(c, Comment) else _SPACE.sub(" ", str(c))) for c in pending)
                for part in text.split("\n"):
                    self.emit(_SPACE.sub(" ", part), node, "para")
                pending.clear()

        for child in node.children:
            if isinstance(child, Tag) and child.name in _BLOCKS and child.name != "body":
                flush()
                self.block(child)
            elif isinstance(child, Tag) and child.name in _DROP:
                continue
            else:
                pending.append(child)
        flush()

    def block(self, tag: Tag) -> None:
        name = tag.name
        if name in _CHROME and not tag.find_parent(["main", "article"]):
            return
        if name in _HEADINGS:
            text = _SPACE.sub(" ", self.inline(tag)).strip().strip("*").strip()
            self.emit(f"{'#' * _HEADINGS[name]} {text}", tag, "heading")
        elif name in ("ul", "ol"):
            self.list(tag, 0)
        elif name == "table":
            self.table(tag)
        elif name == "hr":
            return
        elif name in ("p", "dt", "dd", "summary", "caption", "figcaption", "pre") or not tag.find(_BLOCKS):
            for part in self.inline(tag).split("\n"):
                self.emit(_SPACE.sub(" ", part), tag, "para")
        else:
            self.blocks(tag)

    def list(self, tag: Tag, depth: int) -> None:
        ordered = tag.name == "ol"
        style = tag.get("type") or _list_style(tag) or ("1" if ordered else "disc")
        number = int(tag.get("start", 1)) if str(tag.get("start", "1")).lstrip("-").isdigit() else 1
        for item in tag.find_all("li", recursive=False):
            if str(item.get("value", "")).isdigit():
                number = int(item["value"])
            nested = [c for c in item.children if isinstance(c, Tag) and c.name in ("ul", "ol", "table")]
            own = [c for c in item.children if c not in nested]
            text = _SPACE.sub(" ", "".join(
                self.inline_tag(c, False) if isinstance(c, Tag) else
                ("" if isinstance(c, Comment) else str(c)) for c in own)).strip()
            if style == "none":
                marker = "" if re.match(r"[-*+•▪◦‣●○■]\s", text) else "- "
            elif ordered:
                marker = f"{_label(number, style)}. "
            else:
                marker = "- "
            self.emit("  " * depth + marker + text, item, "item")
            for child in nested:
                self.list(child, depth + 1) if child.name != "table" else self.table(child)
            number += 1

    def table(self, tag: Tag) -> None:
        rows = [tr for tr in tag.find_all("tr") if tr.find_parent("table") is tag]
        widths = [len(tr.find_all(["td", "th"], recursive=False)) for tr in rows]
        if not rows or max(widths) <= 1:  # a layout table: its cells are the page's blocks
            for tr in rows:
                for cell in tr.find_all(["td", "th"], recursive=False):
                    self.blocks(cell)
            return
        for tr in rows:
            cells = [_SPACE.sub(" ", self.inline(c, cell=True)).strip()  # tabs too: a tab separates cells
                     for c in tr.find_all(["td", "th"], recursive=False)]
            if any(c.strip("* ") for c in cells):  # not an empty row
                self.emit("\t".join(re.sub(r"\s*(<br>\s*)+$", "", c) for c in cells), tr, "row")


def convert_html(path: Path, data: bytes) -> Converted:
    soup = BeautifulSoup(data, "html.parser")
    _refuse_non_policy(path, soup)
    root = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.find("article") or soup.body or soup
    reader = _Reader()
    reader.blocks(root)
    if not reader.lines:
        raise ConvertError(f"{path}: the page holds no text")
    return Converted("html", reader.lines)
