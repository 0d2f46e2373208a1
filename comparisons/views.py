import re
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchRank
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django_htmx.http import push_url

from comparisons import pagecache, selectors, seo
from comparisons.directory import MAX_QUERY, DirectoryForm, directory, prefix_query
from comparisons.models import COMPARE_SEPARATOR, Category, Persona, Tool


def _with_visitor_state(request: HttpRequest, tools) -> None:
    pagecache.page_visitor_state(request).apply(tools)  # read once, for the cache key too


def home(request: HttpRequest) -> HttpResponse:
    fingerprint = pagecache.catalog_fingerprint()
    return pagecache.respond(
        request, fingerprint and ("home", *fingerprint), lambda: _home(request, fingerprint)
    )


def _home(request: HttpRequest, fingerprint: tuple | None) -> HttpResponse:
    context = selectors.home_page(fingerprint)
    _with_visitor_state(request, context["tools"])
    return pagecache.render_page(request, "comparisons/home.html", context)


def tool_detail(request: HttpRequest, slug: str) -> HttpResponse:
    version, tools = pagecache.tools_fingerprint([slug])
    return pagecache.respond(
        request, ("tool", version, *tools), lambda: _tool_detail(request, slug, version)
    )


def _tool_detail(request: HttpRequest, slug: str, version=None) -> HttpResponse:
    tool = get_object_or_404(
        Tool.objects.visible_to(request.user).for_detail(history=True), slug=slug
    )
    _with_visitor_state(request, [tool])
    reviews = {review.persona_id: review for review in tool.reviews.all()}
    panel_rows = [(persona, reviews.get(persona.pk)) for persona in selectors.panel(version)]
    context = {
        "tool": tool,
        "panel_rows": panel_rows,
        "similar": selectors.similar_tools(tool),
        "tool_as_list": [tool],
        "json_ld": seo.tool_json_ld(tool, request),
    }
    return pagecache.render_page(request, "comparisons/tool_detail.html", context)


def compare(request: HttpRequest, slugs: str) -> HttpResponse:
    requested = slugs.split(COMPARE_SEPARATOR)[: selectors.MAX_COMPARED + 1]
    version, tools = pagecache.tools_fingerprint(requested)
    return pagecache.respond(
        request, ("compare", version, *tools), lambda: _compare(request, slugs, version)
    )


def _compare(request: HttpRequest, slugs: str, version=None) -> HttpResponse:
    requested = slugs.split(COMPARE_SEPARATOR)
    if len(set(requested)) != len(requested) or not 2 <= len(requested) <= selectors.MAX_COMPARED:
        return render(
            request,
            "error.html",
            {
                "title": "That comparison can't be made",
                "message": f"A comparison sets two to {selectors.MAX_COMPARED} different tools "
                "side by side.",
            },
            status=400,
        )
    tools_by_slug = selectors.tools_by_slug(requested, request.user)
    if len(tools_by_slug) != len(requested):
        raise Http404("No published tool has one of those names.")
    entries = selectors.curated_entries(list(tools_by_slug.values()), request.user)
    order = selectors.canonical_order(tools_by_slug, entries)
    if order != requested:
        target = reverse("comparisons:compare", args=[COMPARE_SEPARATOR.join(order)])
        return HttpResponsePermanentRedirect(target)
    page = selectors.comparison_page(tools_by_slug, order, entries, version)
    _with_visitor_state(request, page.tools)
    context = {
        "page": page,
        "only_differences": request.GET.get("only") == "differences",
        "can_add": len(page.tools) < selectors.MAX_COMPARED,
        "json_ld": seo.comparison_json_ld(page, request),
    }
    template = "comparisons/comparison_detail.html"
    if request.htmx and request.htmx.target == "decision":
        template += "#decision"
    return pagecache.render_page(request, template, context)


DIRECTORY_PAGE_SIZE = 24
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _directory_form(request: HttpRequest) -> DirectoryForm:
    return DirectoryForm(
        request.GET or None,
        categories=list(Category.objects.all()),
        personas=list(Persona.objects.all()),
    )


def tool_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """The directory (and a category's page): filters, sorts and search, in place with htmx."""
    fingerprint = pagecache.catalog_fingerprint()
    return pagecache.respond(
        request, fingerprint and ("tools", *fingerprint), lambda: _tool_list(request, slug)
    )


def _tool_list(request: HttpRequest, slug: str | None) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug) if slug else None
    form = _directory_form(request)
    valid = form.is_valid() if form.is_bound else True
    data = form.cleaned_data if form.is_bound else {}
    if not valid:  # keep what is valid, drop the rest, and say so (400)
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    tools, sort = directory(data, category=category)
    page = Paginator(tools, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    _with_visitor_state(request, page.object_list)
    params = {k: v for k, v in data.items() if v}
    context = {
        "form": form,
        "category": category,
        "page": page,
        "sort": sort,
        "query": data.get("q", ""),
        "filters": params,
        "querystring": urlencode(params),
    }
    if request.htmx and request.htmx.target == "tool-results":
        response = render(
            request,
            "comparisons/tool_list.html#tool-results",
            context,
            status=200 if valid else 400,
        )
        # The address bar gets the clean, shareable form of this view.
        return push_url(response, f"{request.path}?{context['querystring']}".rstrip("?"))
    return pagecache.render_page(
        request, "comparisons/tool_list.html", context, status=200 if valid else 400
    )


def search_suggestions(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type. With ``compare`` slugs, each suggestion links to that comparison."""
    text = (request.GET.get("q") or request.GET.get("add") or "")[:MAX_QUERY]
    query = prefix_query(text)
    compare = [slug for slug in request.GET.getlist("compare") if slug][: selectors.MAX_COMPARED]
    tools = []
    if query is not None:
        tools = (
            Tool.objects.published()
            .filter(search_vector=query)
            .exclude(slug__in=compare)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "name")
            .only("name", "slug", "maker")[:6]
        )
    context = {"tools": tools, "q": text, "compare": compare}
    return render(request, "comparisons/partials/search_suggestions.html", context)


def persona_list(request: HttpRequest) -> HttpResponse:
    return render(request, "comparisons/persona_list.html", {"personas": Persona.objects.all()})


def persona_detail(request: HttpRequest, slug: str) -> HttpResponse:
    fingerprint = pagecache.catalog_fingerprint()
    return pagecache.respond(
        request, fingerprint and ("persona", *fingerprint), lambda: _persona_detail(request, slug)
    )


def _persona_detail(request: HttpRequest, slug: str) -> HttpResponse:
    persona = get_object_or_404(Persona, slug=slug)
    categories = list(Category.objects.filter(tools__status="published").distinct())
    chosen = request.GET.get("category", "")
    category = next((c for c in categories if c.slug == chosen), None)
    context = {
        "persona": persona,
        "tally": selectors.persona_tally(persona),
        "reviews": selectors.persona_reviews(persona, category),
        "categories": categories,
        "category": category,
    }
    status = 400 if chosen and category is None else 200
    return pagecache.render_page(request, "comparisons/persona_detail.html", context, status=status)


def compare_build(request: HttpRequest) -> HttpResponse:
    """The "compare with…" picker: ?tools=a&tools=b, plus ``add`` typed as a name → that
    comparison's address."""
    slugs = list(dict.fromkeys(s for s in request.GET.getlist("tools") if s))
    if any(not SLUG.fullmatch(slug) for slug in slugs):
        return render(
            request,
            "error.html",
            {"title": "Pick the tools to compare", "message": "That is not a tool's address."},
            status=400,
        )
    added = request.GET.get("add", "").strip()
    if added:
        tool = selectors.find_tool(added)
        if tool is None:
            message = f"No published tool matches “{added[:80]}”. Try its name as listed."
            return render(
                request,
                "error.html",
                {"title": "Tool not found", "message": message},
                status=400,
            )
        slugs = list(dict.fromkeys([*slugs, tool.slug]))
    if not 2 <= len(slugs) <= selectors.MAX_COMPARED:
        return render(
            request,
            "error.html",
            {
                "title": "Pick the tools to compare",
                "message": f"Choose two to {selectors.MAX_COMPARED} different tools.",
            },
            status=400,
        )
    return redirect("comparisons:compare", slugs=COMPARE_SEPARATOR.join(slugs))
