"""The read-only open-data API (JSON) and its documentation page (HTML)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_safe

from api import samples, selectors, serializers
from api.http import ApiError, api_rate, api_view, describe_rate
from api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, envelope, paginate, text_param
from comparisons.models import Category
from comparisons.verdicts import SHIP, SKIP, SPLIT

VERDICTS = (SHIP, SKIP, SPLIT)


def _category(request: HttpRequest) -> Category | None:
    slug = text_param(request, "category")
    if not slug:
        return None
    category = selectors.category_by_slug(slug)
    if category is None:
        listed = request.build_absolute_uri(reverse("api:categories"))
        raise ApiError(400, f"No category has the slug '{slug[:80]}'. The slugs: {listed}")
    return category


def _verdict(request: HttpRequest) -> str | None:
    verdict = text_param(request, "verdict")
    if verdict and verdict not in VERDICTS:
        raise ApiError(400, f"verdict must be one of {', '.join(VERDICTS)}, not '{verdict[:40]}'.")
    return verdict or None


def _endpoints(request: HttpRequest) -> dict[str, str]:
    def url(name: str, *args: str) -> str:
        return request.build_absolute_uri(reverse(name, args=args))

    return {
        "tools": url("api:tools"),
        "tool": url("api:tool", "SLUG").replace("SLUG", "{slug}"),
        "categories": url("api:categories"),
        "personas": url("api:personas"),
        "comparisons": url("api:comparisons"),
        "badge": url("badges:badge", "SLUG").replace("SLUG", "{slug}"),
    }


@api_view
def index(request: HttpRequest) -> HttpResponse:
    """Where everything is: each endpoint's absolute URL and the documentation page."""
    return JsonResponse(
        {
            "name": "Ship or Skip open data API",
            "docs": request.build_absolute_uri(reverse("api:docs")),
            "rate_limit": f"{describe_rate(api_rate())} per client address",
            "endpoints": _endpoints(request),
        }
    )


@api_view
def tool_list(request: HttpRequest) -> HttpResponse:
    """Published tools by name, paginated; ``category`` and ``verdict`` narrow them."""
    tools = selectors.published_tools(category=_category(request), verdict=_verdict(request))
    return JsonResponse(paginate(request, tools, lambda t: serializers.tool_summary(t, request)))


@api_view
def tool_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One published tool with its description, website and the panel's reviews."""
    tool = selectors.published_tool(slug)
    if tool is None:
        raise ApiError(404, f"No published tool has the slug '{slug}'.")
    return JsonResponse(serializers.tool_detail(tool, request))


@api_view
def category_list(request: HttpRequest) -> HttpResponse:
    """Every category with its number of published tools (one page)."""
    results = [serializers.category(c, request) for c in selectors.categories()]
    return JsonResponse(envelope(results))


@api_view
def persona_list(request: HttpRequest) -> HttpResponse:
    """The four reviewers of the panel, in panel order (one page)."""
    results = [serializers.persona(p, request) for p in selectors.personas()]
    return JsonResponse(envelope(results))


@api_view
def comparison_list(request: HttpRequest) -> HttpResponse:
    """Published curated comparisons, newest first, paginated; ``category`` narrows them."""
    comparisons = selectors.published_comparisons(category=_category(request))
    return JsonResponse(
        paginate(request, comparisons, lambda c: serializers.comparison(c, request))
    )


@api_view
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any other address under /api/: a JSON 404, or the slashed address when that exists."""
    if not request.path_info.endswith("/"):
        try:
            match = resolve(f"{request.path_info}/")
        except Resolver404:  # pragma: no cover - the catch-all matches everything
            match = None
        if match is not None and match.url_name != "not-found":
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                f"{request.path}/" + (f"?{query}" if query else "")
            )
    index_url = request.build_absolute_uri(reverse("api:index"))
    raise ApiError(404, f"No API endpoint at '{request.path[:200]}'. The endpoints: {index_url}")


@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    """The API's documentation, with a curl example and a sample answer for each endpoint."""
    base = request.build_absolute_uri("/").rstrip("/")
    context = {
        "base": base,
        "root": request.build_absolute_uri(reverse("api:index")),
        "endpoints": _endpoints(request),
        "rate": describe_rate(api_rate()),
        "default_page_size": DEFAULT_PAGE_SIZE,
        "max_page_size": MAX_PAGE_SIZE,
        "samples": samples.rendered(base),
    }
    return render(request, "api/docs.html", context)
