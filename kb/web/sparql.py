"""The SPARQL endpoint at /-/sparql: SPARQL 1.1 Protocol, read-only, bounded, with a query page.

GET ?query=... or POST (form field `query`, or an application/sparql-query body). The answer's
format is negotiated from the Accept header, q-values included, among those the query's form has
(SELECT: JSON, XML, CSV, TSV; ASK: JSON, XML; CONSTRUCT and DESCRIBE: Turtle, N-Triples, JSON-LD,
RDF/XML), or named by ?format=; a browser gets an HTML page with a query box and the examples of
queries/*.rq. Every failure is a 4xx or 503 with a one-line message.

Queries run in their own processes (kb/rdf/sparql.py), at most `sparql_max_concurrent` at once. A
query that finds every slot taken waits at most `sparql_queue_seconds`, then gets 503 with
Retry-After, so a cheap query is never stuck behind heavy ones. The store is loaded once, at
start-up.
"""
from __future__ import annotations

import asyncio
import json
import math
import urllib.parse
import weakref
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from datasette.utils.asgi import Response

from ..queries import load_queries
from ..rdf.guard import check
from ..rdf.sparql import RESULT_TYPES, Limits, QueryRefused, formats, run, store_for
from .config import database_name, queries_dir


@dataclass
class Settings:
    limits: Limits
    max_concurrent: int = 4
    queue_seconds: float = 5.0


@dataclass
class _State:
    """What the endpoint keeps per Datasette instance: the store, and the query slots."""
    settings: Settings
    store: object = None
    slots: asyncio.Semaphore = field(default=None)
    pool: ThreadPoolExecutor = field(default=None)

    def __post_init__(self):
        self.slots = asyncio.Semaphore(self.settings.max_concurrent)
        self.pool = ThreadPoolExecutor(self.settings.max_concurrent, thread_name_prefix="sparql")


_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def settings(datasette) -> Settings:
    config = datasette.plugin_config("kb") or {}
    defaults = Limits()
    return Settings(
        Limits(float(config.get("sparql_time_limit", defaults.seconds)),
               int(config.get("sparql_row_limit", defaults.rows)),
               int(config.get("sparql_memory_limit_mb", defaults.memory_mb)),
               int(config.get("sparql_max_query_bytes", defaults.query_bytes))),
        int(config.get("sparql_max_concurrent", Settings.max_concurrent)),
        float(config.get("sparql_queue_seconds", Settings.queue_seconds)))


async def _state(datasette) -> _State:
    state = _STATES.get(datasette)
    if state is None:
        state = _STATES.setdefault(datasette, _State(settings(datasette)))
    if state.store is None:
        state.store = await asyncio.get_running_loop().run_in_executor(state.pool, _build_store, datasette)
    return state


def forget(datasette) -> None:
    """Load the store again at the next query: the knowledge base was replaced (queries running keep theirs)."""
    state = _STATES.get(datasette)
    if state is not None:
        state.store = None


def _build_store(datasette):
    return store_for(Path(datasette.get_database(database_name(datasette)).path))


async def load(datasette) -> None:
    """Build the RDF store from the knowledge base's database, once, before the first request."""
    if database_name(datasette) in datasette.databases:
        await _state(datasette)


def _accepted(header: str) -> list[str]:
    """Media types of an Accept header, best first (q-values honoured, q=0 dropped, ties in order)."""
    ranked = []
    for index, part in enumerate(header.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranked.append((-quality, index, media.lower()))
    return [media for _, _, media in sorted(ranked)]


_ALIASES = {"application/json": "json", "application/xml": "xml", "text/xml": "xml", "text/plain": "tsv"}


def _negotiate(request, offered: dict[str, str]) -> str | None:
    """The format to answer in: ?format=, else the best Accept match among `offered`; None if none fits."""
    explicit = request.args.get("format")
    if explicit:
        return explicit
    accepted = _accepted(request.headers.get("accept", "")) or ["*/*"]
    by_media = {media: fmt for fmt, media in offered.items()}
    by_media.update({alias: fmt for alias, fmt in _ALIASES.items() if fmt in offered})
    for media in accepted:
        if media == "text/html":
            return "html"
        if media in by_media:
            return by_media[media]
        if media in ("*/*", "application/*", "text/*"):
            return next((fmt for fmt, m in offered.items() if media == "*/*" or m.startswith(media[:-1])), None)
    return None


_UPDATE = "SPARQL Update is refused: this endpoint is read-only"


async def _body(request, limit: int) -> bytes:
    """The request body, read no further than `limit` bytes (413 past it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise QueryRefused(f"request body is {int(declared):,} bytes; the limit is {limit:,}", status=413)
    chunks, size = [], 0
    while True:
        message = await request.receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise QueryRefused(f"request body is over the limit of {limit:,} bytes", status=413)
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _query_text(request, limit: int) -> str | None:
    """The query of a SPARQL Protocol request; QueryRefused for an update request or an unreadable body."""
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/sparql-update":
            raise QueryRefused(_UPDATE)
        body = await _body(request, limit * 3 + 1024)  # room for a form's percent-encoding
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise QueryRefused(f"request body is not UTF-8 (byte {error.start})") from None
        if content_type == "application/sparql-query":
            return text
        if content_type not in ("application/x-www-form-urlencoded", ""):
            raise QueryRefused(f"unsupported content type {content_type!r}: send application/sparql-query or "
                               "application/x-www-form-urlencoded", status=415)
        try:
            form = urllib.parse.parse_qs(text, errors="strict")
        except UnicodeDecodeError:
            raise QueryRefused("form field is not UTF-8 once percent-decoded") from None
        if "update" in form:
            raise QueryRefused(_UPDATE)
        return form.get("query", [None])[0]
    if "update" in request.args:
        raise QueryRefused(_UPDATE)
    return request.args.get("query")


def _refusal(error: QueryRefused, limits: Limits) -> Response:
    headers = {"Retry-After": str(math.ceil(limits.seconds))} if error.status == 503 else {}
    return Response.text(f"error: {error}", status=error.status, headers=headers)


async def execute(datasette, query: str, fmt: str) -> tuple[bytes, str, bool]:
    """Run a checked query in a free slot; QueryRefused(503) when none frees up in time."""
    state = await _state(datasette)
    try:
        await asyncio.wait_for(state.slots.acquire(), state.settings.queue_seconds)
    except asyncio.TimeoutError:
        raise QueryRefused(f"the SPARQL endpoint is busy ({state.settings.max_concurrent} queries running); "
                           "try again shortly", status=503) from None
    try:
        return await asyncio.get_running_loop().run_in_executor(
            state.pool, run, state.store, query, fmt, state.settings.limits)
    finally:
        state.slots.release()


async def endpoint(datasette, request):
    limits = settings(datasette).limits
    try:
        query = await _query_text(request, limits.query_bytes)
        form = check(query, limits.query_bytes).form if query else None
    except QueryRefused as error:
        if _negotiate(request, RESULT_TYPES) == "html":
            return await _page(datasette, request, query=None, error=error)
        return _refusal(error, limits)
    fmt = _negotiate(request, formats(form) if form else RESULT_TYPES)
    if fmt == "html":
        return await _page(datasette, request, query)
    if not query:
        return Response.text("no query: send ?query=... (SPARQL 1.1 Protocol), or open this page in a browser",
                             status=400)
    if fmt is None or fmt not in formats(form):
        offered = ", ".join(formats(form).values())
        return Response.text(f"error: none of the media types accepted can carry this query's answer; "
                             f"it can be sent as {offered}", status=406)
    try:
        body, media_type, truncated = await execute(datasette, query, fmt)
    except QueryRefused as error:
        return _refusal(error, limits)
    headers = {"X-Results-Truncated": "true"} if truncated else {}
    return Response(body, status=200, content_type=media_type, headers=headers)


async def _page(datasette, request, query, error: QueryRefused | None = None):
    examples = load_queries(queries_dir(datasette), ".rq")
    context = {"query": query or "", "examples": [
        {"name": name, "title": q.get("title", name), "description": q.get("description", ""),
         "url": datasette.urls.path("/-/sparql?" + urllib.parse.urlencode({"query": q["sql"]}))}
        for name, q in examples.items()], "error": None, "columns": [], "rows": [], "truncated": False,
        "limits": settings(datasette).limits, "boolean": None, "graph": None}
    status = 200
    if error is not None:
        context["error"], status = str(error), error.status
    elif query:
        try:
            form = check(query, context["limits"].query_bytes).form
            body, media_type, truncated = await execute(datasette, query, next(iter(formats(form))))
        except QueryRefused as refused:
            context["error"], status = str(refused), refused.status
        else:
            context["truncated"] = truncated
            if media_type == RESULT_TYPES["json"]:
                result = json.loads(body)
                if "boolean" in result:
                    context["boolean"] = result["boolean"]
                else:
                    context["columns"] = result["head"]["vars"]
                    context["rows"] = [[row.get(v, {}).get("value", "") for v in context["columns"]]
                                       for row in result["results"]["bindings"]]
            else:
                context["graph"] = body.decode("utf-8")
    html = await datasette.render_template("sparql.html", context, request=request)
    return Response.html(html, status=status)

