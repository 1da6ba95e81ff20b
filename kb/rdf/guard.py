"""The first gate of the SPARQL endpoint: a token allowlist that refuses what it does not know.

Walking a parsed query for forbidden nodes fails open: a SERVICE nested in an expression
container the walk did not foresee gets through. This gate works on tokens instead. A query is cut
into the tokens of the SPARQL 1.1 grammar (IRIs, literals, names, variables, punctuation); every
bare word must be a keyword or built-in function of SPARQL 1.1 Query, and any character that
starts no token refuses the query. SERVICE, FROM and the update keywords are simply not on the
list, so no nesting can hide them. Nesting depth and size are bounded here too, so that no parser
behind the gate recurses without limit. Nothing here runs or parses the query; the kernel-enforced
sandbox (`kb/rdf/sandbox.py`) holds if this gate is ever bypassed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 48

QUERY_FORMS = {"SELECT": "SelectQuery", "CONSTRUCT": "ConstructQuery", "ASK": "AskQuery",
               "DESCRIBE": "DescribeQuery"}
UPDATE_VERBS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
KEYWORDS = {
    "BASE", "PREFIX", "SELECT", "CONSTRUCT", "DESCRIBE", "ASK", "DISTINCT", "REDUCED", "AS", "WHERE", "ORDER",
    "BY", "ASC", "DESC", "LIMIT", "OFFSET", "VALUES", "UNDEF", "GROUP", "HAVING", "OPTIONAL", "GRAPH", "MINUS",
    "UNION", "FILTER", "BIND", "NOT", "IN", "EXISTS", "TRUE", "FALSE", "A", "SEPARATOR",
    # built-in calls and aggregates of SPARQL 1.1 Query
    "STR", "LANG", "LANGMATCHES", "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "RAND", "ABS", "CEIL", "FLOOR",
    "ROUND", "CONCAT", "STRLEN", "UCASE", "LCASE", "ENCODE_FOR_URI", "CONTAINS", "STRSTARTS", "STRENDS",
    "STRBEFORE", "STRAFTER", "YEAR", "MONTH", "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ", "NOW",
    "UUID", "STRUUID", "MD5", "SHA1", "SHA256", "SHA384", "SHA512", "COALESCE", "IF", "STRLANG", "STRDT",
    "SAMETERM", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "REGEX", "SUBSTR", "REPLACE", "COUNT",
    "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT",
}
FORBIDDEN = {
    "SERVICE": "SERVICE is refused: this endpoint never fetches other endpoints",
    "FROM": "FROM and FROM NAMED are refused: this endpoint never loads other graphs",
    "NAMED": "FROM and FROM NAMED are refused: this endpoint never loads other graphs",
}

# The terminals of the SPARQL 1.1 grammar (section 19.8), in the order they must be tried.
_PN_CHARS_BASE = r"A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D" \
                 r"\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_LOCAL = rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_TOKENS = [
    ("space", r"[ \t\r\n]+"),
    ("comment", r"#[^\r\n]*"),
    ("iri", r"<[^<>\"{}|^`\\\x00-\x20]*>"),
    # an escape is any backslash pair: looser than the grammar, never longer than a string it allows
    ("string", r"'''(?:(?:'|'')?(?:[^'\\]|\\[\s\S]))*'''|\"\"\"(?:(?:\"|\"\")?(?:[^\"\\]|\\[\s\S]))*\"\"\""
               r"|'(?:[^'\\\n\r]|\\[^\n\r])*'|\"(?:[^\"\\\n\r]|\\[^\n\r])*\""),
    ("pname", rf"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?"),
    ("blank", rf"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"),
    ("var", rf"[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"),
    ("langtag", r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*"),
    ("number", r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"),
    ("word", rf"[{_PN_CHARS_BASE}_][{_PN_CHARS_U}0-9]*"),
    ("open", r"[({\[]"),
    ("close", r"[)}\]]"),
    ("punct", r"\^\^|\|\||&&|!=|<=|>=|[.;,*/+\-!=<>|^?]"),
]
_LEXER = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _TOKENS))
_PAIRS = {")": "(", "}": "{", "]": "["}


class Refused(Exception):
    """The query is refused before anything parses or runs it; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Checked:
    form: str        # SelectQuery, ConstructQuery, AskQuery or DescribeQuery
    tokens: int


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def check(query: str, max_bytes: int = 65_536) -> Checked:
    """The query's form, or Refused naming what it does not allow and where."""
    size = len(query.encode("utf-8", errors="surrogatepass"))
    if size > max_bytes:
        raise Refused(f"query is {size:,} bytes; the limit is {max_bytes:,}", status=413)
    form, depth, tokens, stack = None, 0, 0, []
    position = 0
    while position < len(query):
        match = _LEXER.match(query, position)
        if match is None or match.end() == position:
            raise Refused(f"SPARQL syntax error at {_position(query, position)}: unexpected "
                          f"{query[position]!r}")
        kind, text = match.lastgroup, match.group()
        if kind == "word":
            word = text.upper()
            if word in FORBIDDEN:
                raise Refused(f"{FORBIDDEN[word]} ({_position(query, position)})")
            if word in UPDATE_VERBS and form is None:
                raise Refused("SPARQL Update is refused: this endpoint is read-only")
            if word not in KEYWORDS:
                raise Refused(f"{text!r} at {_position(query, position)} is not a keyword of SPARQL 1.1 Query; "
                              "this endpoint accepts queries only (SELECT, CONSTRUCT, ASK, DESCRIBE)")
            if form is None and word in QUERY_FORMS:
                form = QUERY_FORMS[word]
        elif kind == "open":
            stack.append((text, position))
            depth = max(depth, len(stack))
            if depth > MAX_DEPTH:
                raise Refused(f"query is nested more than {MAX_DEPTH} levels deep at {_position(query, position)}")
        elif kind == "close":
            if not stack or stack.pop()[0] != _PAIRS[text]:
                raise Refused(f"SPARQL syntax error at {_position(query, position)}: unbalanced {text!r}")
        if kind not in ("space", "comment"):
            tokens += 1
        position = match.end()
    if stack:
        opened, at = stack[-1]
        raise Refused(f"SPARQL syntax error: {opened!r} at {_position(query, at)} is never closed")
    if form is None:
        raise Refused("not a query: SELECT, CONSTRUCT, ASK or DESCRIBE expected")
    return Checked(form, tokens)
