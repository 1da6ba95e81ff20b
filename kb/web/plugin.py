"""Datasette plugin: canned queries from queries/*.sql (a page of rows at a time), source-line links on every
record, and the reviewer, citation and SPARQL pages.

Its settings (kb/web/config.py) name the database that holds the knowledge base and the folder
of canned queries. It uses Datasette's public plugin API, except that the database page hands a
query (/kb?sql=) on to Datasette's own view, and reads through KnowledgeBase.
"""
from __future__ import annotations

import re
import urllib.parse

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import AsgiStream, NotFound, Response
from markupsafe import Markup, escape

from ..cite import FORMATS, STYLES, lookup
from ..graph import EDGE_TYPES
from ..queries import load_queries
from ..store.read import KnowledgeBase
from . import links, pages, reload, sparql
from .paging import paged, pager
from .config import database_name, queries_dir, wording


async def _read(datasette, question):
    """question(kb) answered from the knowledge base's database, through Datasette's connection."""
    name = database_name(datasette)
    if name not in datasette.databases:
        raise NotFound(f"no database {name!r} is served: name the knowledge base in metadata.yml "
                       "(plugins: kb: database)")
    return await datasette.get_database(name).execute_fn(lambda conn: question(KnowledgeBase(conn)))


@hookimpl
def canned_queries(datasette, database):
    if database != database_name(datasette):
        return None
    return {name: paged(query) for name, query in load_queries(queries_dir(datasette)).items()}


@hookimpl
def get_metadata(datasette, key, database, table):
    """Describe the graph_<edge type> views from the graph module, where the edge types are defined.

    They are described in every database, since only a knowledge base has them: the plugin's
    setting cannot be read here, as reading it asks this hook again.
    """
    views = {f"graph_{kind}": {"description": f"Edges of type {kind}: {meaning}.",
                               "columns": {"source": "Node id of the tail.", "source_label": "Its label.",
                                           "target": "Node id of the head.", "target_label": "Its label.",
                                           "attributes": "Edge attributes as JSON."}}
             for kind, meaning in EDGE_TYPES.items()}
    return {"databases": {name: {"tables": views} for name in datasette.databases if name != "_internal"}}


@hookimpl
def extra_template_vars(datasette, template, database, request):
    """Templates link to the knowledge base's tables through `kb_database` (None when it is not served),
    and take the corpus's wording from `kb_wording` (metadata.yml); a canned query's page its pager."""
    name = database_name(datasette)
    values = {"kb_database": name if name in datasette.databases else None, "kb_wording": wording(datasette)}
    if template == "query.html" and database == name and request is not None:
        values["kb_pager"] = pager(request)
    return values


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Ids link to their reviewer page or registry; line_start to the source lines of the record.

    Asked for every cell of every page: a cell of any other column is passed over first, before anything
    else is looked up (a 1,000-row canned query has ~17,000 cells)."""
    if (column not in links.COLUMNS and column != "line_start") or database != database_name(datasette):
        return None
    shown = value["value"] if isinstance(value, dict) else value  # a foreign key comes as {"value", "label"}
    href = links.target(table, column, shown)
    if href is not None:
        text = value.get("label") or shown if isinstance(value, dict) else shown
        url = datasette.urls.path(href) if href.startswith("/") else href
        return Markup(f'<a href="{escape(url)}">{escape(str(text))}</a>')
    if column != "line_start" or value is None or row is None:
        return None
    keys = row.keys()
    if "policy_id" not in keys or "line_end" not in keys:
        return None
    policy = row["policy_id"]
    if isinstance(policy, dict):  # a table view expands foreign keys to {"value": ..., "label": ...}
        policy = policy["value"]
    query = urllib.parse.urlencode({"policy_id": policy, "n__gte": value, "n__lte": row["line_end"], "_sort": "n"})
    href = f"{datasette.urls.table(database, 'lines')}?{query}"
    return Markup(f'<a href="{escape(href)}" title="show the source lines">{escape(str(value))}</a>')


def _lines_url(datasette, policy_id: str, first: int, last: int) -> str:
    query = urllib.parse.urlencode({"policy_id": policy_id, "n__gte": first, "n__lte": last, "_sort": "n"})
    return f"{datasette.urls.table(database_name(datasette), 'lines')}?{query}"


async def _cite(datasette, request) -> tuple[dict, int]:
    """The lookup behind /-/cite and /-/cite.json, with links to the rows it found."""
    query = request.args.get("q", "").strip()
    style, fmt = request.args.get("style", "ama"), request.args.get("format", "text")
    context = {"query": query, "style": style, "fmt": fmt, "styles": sorted(STYLES), "formats": FORMATS,
               "result": None, "error": None}
    if style not in STYLES or fmt not in FORMATS:
        context["error"] = f"style must be one of {', '.join(sorted(STYLES))}; format one of {', '.join(FORMATS)}"
        return context, 400
    if not query:
        return context, 200
    result = await _read(datasette, lambda kb: lookup(kb, query, style, fmt))
    database = database_name(datasette)
    for r in result.results:
        if r.get("work_id"):
            r["work_url"] = datasette.urls.row(database, "works", tilde_encode(r["work_id"]))
            r["trial_urls"] = [datasette.urls.row(database, "trials", tilde_encode(t)) for t in r["trials"]]
        for place in r["cited_by"]:
            line = place.get("citation_line") or place.get("reference_line") or place.get("line_start")
            place["lines_url"] = _lines_url(datasette, place["policy_id"], line, line)
        for statement in r["statements"]:
            statement["url"] = datasette.urls.row(database, "statements", tilde_encode(statement["id"]))
    for suggestion in result.suggestions:
        suggestion["url"] = datasette.urls.path("/-/cite?" + urllib.parse.urlencode(
            {"q": suggestion["id"].removeprefix("trial:").removeprefix("pmid:"), "style": style, "format": fmt}))
    context["result"] = result
    return context, 200 if result.found else 404


async def cite_page(datasette, request):
    context, status = await _cite(datasette, request)
    args = [(name, value) for name in request.args for value in request.args.getlist(name)]
    context["json_url"] = datasette.urls.path("/-/cite.json?" + urllib.parse.urlencode(args))
    html = await datasette.render_template("cite.html", context, request=request)
    return Response.html(html, status=status)


async def cite_json(datasette, request):
    context, status = await _cite(datasette, request)
    result = context["result"]
    body = {"query": context["query"], "style": context["style"], "format": context["fmt"],
            "error": context["error"], "matched_as": result.matched_as if result else None,
            "results": result.results if result else [], "suggestions": result.suggestions if result else []}
    return Response.json(body, status=status)


def _page(template: str, load, key: str | None = "id"):
    """A reviewer page: load(kb, key) gives the template's data; None means 404."""
    async def view(datasette, request):
        argument = request.url_vars.get("id") if key == "id" else request.args.get(key, "") if key else None
        data = await _read(datasette, lambda kb: load(kb, argument) if key else load(kb))
        if data is None:
            return await _missing(datasette, request, template.removesuffix(".html"), argument)
        if key == "q":
            data = {**data, "search_query": argument}
        html = await datasette.render_template(template, data, request=request)
        return Response.html(html, status=400 if data.get("search_error") else 200)
    return view


async def _missing(datasette, request, kind: str, argument: str):
    """404 for an id the knowledge base lacks: it says so, and lists the ids it holds (pages.missing)."""
    data = await _read(datasette, lambda kb: pages.missing(kb, kind, argument))
    return Response.html(await datasette.render_template("missing.html", data, request=request), status=404)


async def graph_page(datasette, request):
    node = request.args.get("node", "")
    data = await _read(datasette, lambda kb: kb.neighbourhood(node))
    if data is None:
        return Response.html(await datasette.render_template(
            "search.html", {"search_query": node, **pages.search_empty()}, request=request), status=404)
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    json_url = datasette.urls.path("/-/graph.json?" + urllib.parse.urlencode({"node": node}))
    html = await datasette.render_template("graph.html", {**data, "labels": labels, "json_url": json_url,
                                                          "cytoscape": pages.CYTOSCAPE}, request=request)
    return Response.html(html)


async def graph_json(datasette, request):
    node = request.args.get("node", "")
    data = await _read(datasette, lambda kb: kb.neighbourhood(node))
    if data is None:
        return Response.json({"error": f"no node {node!r}"}, status=404)
    return Response.json(data)


async def home(datasette, request):
    """The landing page: where a reviewer starts, and each database's canned queries.

    It replaces Datasette's index, whose per-table permission checks copy the whole metadata for
    every table; here only the instance and each database are checked.
    """
    if not await datasette.permission_allowed(request.actor, "view-instance", default=True):
        return Response.text("Forbidden", status=403)
    databases = []
    for name, database in datasette.databases.items():
        if name == "_internal" or not await datasette.permission_allowed(
                request.actor, "view-database", name, default=True):
            continue
        queries = load_queries(queries_dir(datasette)) if name == database_name(datasette) else {}
        databases.append({"name": name, "tables": len(await database.table_names()),
                          "views": len(await database.view_names()),
                          "queries": [{"name": key, "title": q.get("title", key)} for key, q in queries.items()]})
    context = {"title": datasette.metadata("title") or "cryo-kb",
               "description": Markup(datasette.metadata("description_html") or ""), "databases": databases}
    return Response.html(await datasette.render_template("home.html", context, request=request))


async def database_page(datasette, request):
    """The knowledge base's database page (/kb): its canned queries, tables and views, with their descriptions.

    It replaces Datasette's, which checks the permission of every table, view and query, copying the
    whole metadata for each (0.5-0.9 s a request); here, as on the home page, the instance and the
    database are checked. A query (/kb?sql=) goes on to Datasette's own view, as the form expects.
    """
    if request.args.get("sql"):
        from datasette.views.database import DatabaseView  # at import time, a cycle: Datasette loads plugins
        request.url_vars["format"] = None  # as Datasette's own route for /kb gives it (.json, .csv elsewhere)
        return await DatabaseView.as_view(datasette)(request, None)
    name = database_name(datasette)
    for permission, resource in (("view-instance", None), ("view-database", name)):
        if not await datasette.permission_allowed(request.actor, permission, resource, default=True):
            return Response.text("Forbidden", status=403)
    database = datasette.get_database(name)
    metadata = dict((datasette.metadata("databases") or {}).get(name, {}))
    datasette.update_with_inherited_metadata(metadata)
    described = datasette.metadata("tables", database=name) or {}
    hidden = await database.hidden_table_names()
    tables, views = ([{"name": t, "description": (described.get(t) or {}).get("description")} for t in names]
                     for names in ([t for t in await database.table_names() if t not in hidden],
                                   await database.view_names()))
    context = {"database": name, "metadata": metadata, "tables": tables, "views": views, "hidden": hidden,
               "queries": list((await datasette.get_canned_queries(name, request.actor)).values()),
               "allow_execute_sql": await datasette.permission_allowed(request.actor, "execute-sql", name,
                                                                       default=True)}
    return Response.html(await datasette.render_template("tables.html", context, request=request))


async def _message(datasette, request, title: str, message: str, status: int):
    """A reviewer view's answer to a request it cannot serve: what was wrong, in words."""
    html = await datasette.render_template("kb_message.html", {"title": title, "message": message}, request=request)
    return Response.html(html, status=status)


MAX_PAGE = 100_000


def _page_number(request) -> int | None:
    """?page= as a number from 1 to MAX_PAGE (1 when absent); None when it is anything else."""
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_PAGE else None


async def _paged(datasette, request, template: str, load, kind: str | None = None):
    """A page read one part (?page=) at a time by load(kb, page): 400 for a page that is not a number, 404 for
    one past the end, and the unknown-id page when load gives None (an id of `kind`)."""
    page = _page_number(request)
    if page is None:
        return await _message(datasette, request, "Bad page", f"page must be a number from 1 to {MAX_PAGE}", 400)
    try:
        data = await _read(datasette, lambda kb: load(kb, page))
    except pages.Unknown as error:
        return await _message(datasette, request, "No such page", str(error), 404)
    if data is None:
        return await _missing(datasette, request, kind, request.url_vars["id"])
    return Response.html(await datasette.render_template(template, data, request=request))


async def reviewer_page(datasette, request):
    """Every indication and trial, and the policies one page (?page=) at a time."""
    return await _paged(datasette, request, "reviewer.html", pages.index)


async def indication_page(datasette, request):
    """An indication page, its evidence one page (?page=) at a time; ?background=all lists every background work."""
    everything = request.args.get("background") == "all"
    return await _paged(datasette, request, "indication.html",
                        lambda kb, page: pages.indication(kb, request.url_vars["id"], page, everything), "indication")


async def coverage_page(datasette, request):
    """The coverage grid (/-/coverage, ?page= of policies), or all its cells as CSV (/-/coverage.csv or
    ?_format=csv), with the same filters."""
    group, status, page = request.args.get("group", ""), request.args.get("status", ""), _page_number(request)
    fmt = "csv" if request.path.endswith(".csv") else request.args.get("_format", "html")
    if fmt not in ("html", "csv"):
        return Response.text(f"_format must be html or csv, not {fmt!r}", status=400)
    try:
        if fmt == "csv":
            return await _coverage_csv(datasette, group, status)
        if page is None:
            raise pages.BadRequest(f"page must be a number from 1 to {MAX_PAGE}")
        grid = await _read(datasette, lambda kb: pages.coverage_grid(kb, group, status, page))
    except pages.BadRequest as error:
        if fmt == "csv":
            return Response.text(str(error), status=400)
        return await _message(datasette, request, "Coverage grid", str(error), 400)
    except pages.Unknown as error:
        return await _message(datasette, request, "Coverage grid", str(error), 404)
    filters = {k: v for k, v in (("group", group), ("status", status)) if v}
    grid["csv_url"] = datasette.urls.path("/-/coverage.csv" + (f"?{urllib.parse.urlencode(filters)}" if filters else ""))
    grid["page_url"] = lambda n: datasette.urls.path("/-/coverage?" + urllib.parse.urlencode({**filters, "page": n}))
    return Response.html(await datasette.render_template("coverage.html", grid, request=request))


async def _coverage_csv(datasette, group: str, status: str) -> AsgiStream:
    """The CSV streamed a chunk at a time, each chunk one short read: the first is read (and the filters
    checked, so a bad one is a 400) before anything is sent."""
    first, after = await _read(datasette, lambda kb: pages.coverage_csv_chunk(kb, group, status, 0))

    async def send(response) -> None:
        nonlocal after
        await response.write(first)
        while after is not None:
            text, after = await _read(datasette, lambda kb: pages.coverage_csv_chunk(kb, group, status, after))
            await response.write(text)

    return AsgiStream(send, content_type="text/csv; charset=utf-8",
                      headers={"content-disposition": 'attachment; filename="coverage.csv"'})


async def compare_page(datasette, request):
    """Two policies side by side (/-/compare?a=&b=); the form to choose them when either is missing."""
    a, b = request.args.get("a", ""), request.args.get("b", "")
    policies = await _read(datasette, lambda kb: kb.policies())
    context = {"options_a": pages.policy_options(policies, a), "options_b": pages.policy_options(policies, b),
               "error": None, "compared": None}
    status = 200
    if a and b:
        try:
            context["compared"] = await _read(datasette, lambda kb: pages.compare(kb, a, b, policies))
        except pages.Unknown as error:
            context["error"], status = str(error), 404
    return Response.html(await datasette.render_template("compare.html", context, request=request), status=status)


@hookimpl
def asgi_wrapper(datasette):
    return reload.wrapper(datasette)


@hookimpl
def register_routes(datasette):
    return [
        (r"^/$", home), (rf"^/(?P<database>{re.escape(tilde_encode(database_name(datasette)))})$", database_page),
        (r"^/-/cite$", cite_page), (r"^/-/cite\.json$", cite_json), (r"^/-/sparql$", sparql.endpoint),
        (r"^/-/reviewer$", reviewer_page),
        (r"^/-/policy/(?P<id>[^/]+)$", _page("policy.html", pages.policy)),
        (r"^/-/indication/(?P<id>[^/]+)$", indication_page),
        (r"^/-/coverage(\.csv)?$", coverage_page), (r"^/-/compare$", compare_page),
        (r"^/-/work/(?P<id>.+)$", _page("work.html", pages.work)),
        (r"^/-/trial/(?P<id>[^/]+)$", _page("trial.html", pages.trial)),
        (r"^/-/search$", _page("search.html", pages.search, key="q")),
        (r"^/-/graph$", graph_page), (r"^/-/graph\.json$", graph_json),
    ]


@hookimpl
def menu_links(datasette, actor):
    return [{"href": datasette.urls.path(path), "label": label}
            for path, label in (("/-/reviewer", "Reviewer pages"), ("/-/search", "Search everything"),
                                ("/-/coverage", "Coverage grid"), ("/-/compare", "Compare two policies"),
                                ("/-/cite", "Cite a work"), ("/-/sparql", "SPARQL"))]


@hookimpl
def startup(datasette):
    async def load_rdf():
        await sparql.load(datasette)
    return load_rdf


@hookimpl
def skip_csrf(scope):
    """SPARQL clients POST queries without a CSRF token; the endpoint is read-only."""
    return scope["path"] == "/-/sparql"
