"""Styled text as the parser reads it: **bold**, *italic*, <sup>n</sup>; a table cell's paragraphs
and list items as <p> and <ul><li>. Shared by the converters that read runs of styled text."""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    sup: bool = False


def markup(runs: list[Run]) -> str:
    """Runs as one line of text; a wholly bold text is one **...** (the parser reads it as a heading)."""
    merged: list[Run] = []
    for run in runs:  # runs of one style are one: a superscript wrapped over two lines is one <sup>
        if merged and (merged[-1].bold, merged[-1].italic, merged[-1].sup) == (run.bold, run.italic, run.sup):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic, run.sup)
        else:
            merged.append(run)
    runs = merged
    letters = [r for r in runs if r.text.strip() and not r.sup]
    whole_bold = bool(letters) and all(r.bold for r in letters)
    out = []
    for run in runs:
        core = run.text.strip()
        if not core:
            out.append(run.text)
            continue
        lead, trail = run.text[: len(run.text) - len(run.text.lstrip())], run.text[len(run.text.rstrip()):]
        if run.sup:
            core = f"<sup>{core}</sup>"
        elif run.italic:
            core = f"*{core}*"
        if run.bold and not whole_bold and not run.sup:
            core = f"**{core}**"
        out.append(lead + core + trail)
    text = re.sub(r"\*\*(\s*)\*\*", r"\1", "".join(out))  # adjacent bold runs are one
    text = re.sub(r"(?<!\*)\*(\s*)\*(?!\*)", r"\1", text)  # and so are italic ones
    text = re.sub(r"\s+", " ", text).strip()
    return f"**{text.strip('*').strip()}**" if whole_bold and text.strip("* ") else text


def cell_text(parts: list[tuple[str, int, str]]) -> str:
    """A table cell from its (kind "p" or "li", list depth, text) parts: one paragraph stays plain."""
    if len(parts) == 1 and parts[0][0] == "p":
        return parts[0][2]
    out, depth = [], 0
    for kind, level, text in parts:
        target = level if kind == "li" else 0
        out += ["</ul>"] * max(0, depth - target) + ["<ul>"] * max(0, target - depth)
        depth = target
        out.append(f"<{kind}>{text}</{kind}>")
    out += ["</ul>"] * depth
    return " ".join(out).replace("\t", " ")
