from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from comparisons import selectors
from comparisons.models import COMPARE_SEPARATOR, Persona, Tool
from votes.selectors import attach_visitor_state
from votes.voters import voter_for


def _with_visitor_state(request: HttpRequest, tools) -> None:
    attach_visitor_state(tools, voter=voter_for(request), user=request.user)


def home(request: HttpRequest) -> HttpResponse:
    context = selectors.home_page()
    _with_visitor_state(request, context["tools"])
    return render(request, "comparisons/home.html", context)


def tool_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tool = get_object_or_404(Tool.objects.visible_to(request.user).for_detail(), slug=slug)
    _with_visitor_state(request, [tool])
    reviews = {review.persona_id: review for review in tool.reviews.all()}
    panel_rows = [(persona, reviews.get(persona.pk)) for persona in Persona.objects.all()]
    return render(request, "comparisons/tool_detail.html", {"tool": tool, "panel_rows": panel_rows})


def compare(request: HttpRequest, slugs: str) -> HttpResponse:
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
    page = selectors.comparison_page(tools_by_slug, order, entries)
    _with_visitor_state(request, page.tools)
    return render(request, "comparisons/comparison_detail.html", {"page": page})
