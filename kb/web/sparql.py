"""The SPARQL endpoint at /-/sparql: SPARQL 1.1 Protocol, read-only, bounded, with a query page.

GET ?query=... or POST (form field `query`, or an application/sparql-query body). Results as
JSON, XML, CSV or TSV by the Accept header (or ?format=); CONSTRUCT and DESCRIBE as Turtle,
N-Triples, JSON-LD or RDF/XML. A browser gets an HTML page with a query box, the example queries
of queries/*.rq, and the results. The store is loaded once, when Datasette starts.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import urllib.parse

from datasette.utils.asgi import Response

from ..queries import load_queries
from ..rdf.sparql import GRAPH_TYPES, RESULT_TYPES, Limits, QueryRefused, load_store, run

_BY_MEDIA_TYPE = {media: fmt for fmt, media in {**GRAPH_TYPES, **RESULT_TYPES}.items()}
_BY_MEDIA_TYPE.update({"application/json": "json", "application/xml": "xml", "text/plain": "tsv"})


def settings(datasette) -> Limits:
    config = datasette.plugin_config("kb") or {}
    return Limits(float(config.get("sparql_time_limit", Limits.seconds)),
                  int(config.get("sparql_row_limit", Limits.rows)))


async def load(datasette) -> None:
    """Build the RDF store from the kb database, once, before the first request."""
    if "kb" not in datasette.databases:
        return
    path = datasette.get_database("kb").path

    def build():
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return load_store(conn)

    datasette._kb_sparql_store = await asyncio.get_running_loop().run_in_executor(None, build)


def _negotiate(request) -> str:
    """The format asked for: ?format=, else the first Accept media type we serve, else html or json."""
    explicit = request.args.get("format")
    if explicit:
        return explicit
    accepted = [part.split(";")[0].strip() for part in request.headers.get("accept", "").split(",")]
    for media in accepted:
        if media in _BY_MEDIA_TYPE:
            return _BY_MEDIA_TYPE[media]
        if media == "text/html":
            return "html"
    return "json"


_UPDATE = "SPARQL Update is refused: this endpoint is read-only"


async def _query_text(request) -> str | None:
    """The query of a SPARQL Protocol request; QueryRefused for an update request (POST update=...)."""
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        body = await request.post_body()
        if content_type == "application/sparql-update":
            raise QueryRefused(_UPDATE)
        if content_type == "application/sparql-query":
            return body.decode("utf-8")
        form = urllib.parse.parse_qs(body.decode("utf-8"))
        if "update" in form:
            raise QueryRefused(_UPDATE)
        return form.get("query", [None])[0]
    if "update" in request.args:
        raise QueryRefused(_UPDATE)
    return request.args.get("query")


async def endpoint(datasette, request):
    try:
        query, fmt = await _query_text(request), _negotiate(request)
    except QueryRefused as error:
        return Response.text(f"error: {error}", status=error.status)
    store = getattr(datasette, "_kb_sparql_store", None)
    if store is None:
        await load(datasette)
        store = datasette._kb_sparql_store
    if fmt == "html":
        return await _page(datasette, request, query, store)
    if not query:
        return Response.text("no query: send ?query=... (SPARQL 1.1 Protocol), or open this page in a browser",
                             status=400)
    try:
        body, media_type, truncated = await asyncio.get_running_loop().run_in_executor(
            None, run, store, query, fmt, settings(datasette))
    except QueryRefused as error:
        return Response.text(f"error: {error}", status=error.status)
    headers = {"X-Results-Truncated": "true"} if truncated else {}
    return Response(body, status=200, content_type=media_type, headers=headers)


async def _page(datasette, request, query, store):
    examples = load_queries(_queries_dir(datasette), ".rq")
    context = {"query": query or "", "examples": [
        {"name": name, "title": q.get("title", name), "description": q.get("description", ""),
         "url": datasette.urls.path("/-/sparql?" + urllib.parse.urlencode({"query": q["sql"]}))}
        for name, q in examples.items()], "error": None, "columns": [], "rows": [], "truncated": False,
        "limits": settings(datasette), "boolean": None, "graph": None}
    status = 200
    if query:
        try:
            body, media_type, truncated = await asyncio.get_running_loop().run_in_executor(
                None, run, store, query, "json", settings(datasette))
        except QueryRefused as error:
            context["error"], status = str(error), error.status
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


def _queries_dir(datasette):
    from .plugin import queries_dir  # the same folder the SQL canned queries come from
    return queries_dir(datasette)
