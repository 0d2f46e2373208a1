from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from comparisons.models import COMPARE_SEPARATOR, Tool, Verdict
from shipskip.http import safe_next
from throttle import limits
from throttle.clients import address_hash
from votes.forms import CompareSelectedForm
from votes.selectors import attach_visitor_state, bookmarked_tools
from votes.services import RateLimited, bookmark_add, bookmark_remove, vote_first, vote_set
from votes.voters import Voter, remember, voter_for
from votes.widget import vote_response, vote_widget

BOOKMARKS_CHANGED = "bookmarks-changed"
VOTE_VALUES = frozenset(Verdict.values)
VOTE_REQUIRED = "Choose Ship or Skip."
VOTE_INVALID = "A vote is either “ship” or “skip”."
TOO_MANY_VOTES = "Too many votes in a minute. Wait a moment, then try again."


def _return_to(request: HttpRequest, tool: Tool) -> str:
    """The page the visitor acted on, if it is ours; else the tool's page."""
    return safe_next(request, request.POST.get("next"), tool.get_absolute_url())


def _vote_limits(client: str, voter: Voter) -> list[tuple[str, limits.Rate]]:
    return [
        (f"vote:voter:{voter.key}", limits.Rate.parse(settings.SHIPSKIP_VOTE_RATE)),
        (f"vote:address:{client}", limits.Rate.parse(settings.SHIPSKIP_VOTE_RATE_PER_ADDRESS)),
    ]


def _vote_message(tool: Tool, value: str | None) -> str:
    what = f"{value.capitalize()} vote counted" if value else "Vote withdrawn"
    return f"{what} — {tool.community.label}"


def _widget(
    request: HttpRequest, tool: Tool, draw=vote_widget, status: int = 200, **extra
) -> HttpResponse:
    """The vote widget (or ``vote_response``) for htmx, drawn where it was: a card, or the
    tool's own page (``detail``). Without a CSRF field: only htmx sees this answer, and htmx
    sends the page's token in a header (``<body hx-headers>``), so minting a masked token and
    resending the cookie on every vote would buy nothing."""
    html = draw(
        tool,
        csrf_token=None,
        return_to=_return_to(request, tool),
        detail=request.POST.get("detail") == "1",
        **extra,
    )
    return HttpResponse(html, status=status)


def _refuse_vote(request: HttpRequest, tool: Tool, status: int, error: str) -> HttpResponse:
    if request.htmx:
        attach_visitor_state([tool], voter=voter_for(request), user=request.user)
        response = _widget(request, tool, status=status, error=error)
    else:
        context = {"title": "Your vote was not counted", "message": error}
        response = render(request, "error.html", context, status=status)
    if status == 429:
        response["Retry-After"] = "60"
    return response


# What the vote widget and its out-of-band updates show of a tool.
VOTED_TOOL_FIELDS = ("id", "slug", "name", "community_ships", "community_skips")


def _voted_tool(slug: str) -> Tool:
    return get_object_or_404(Tool.objects.published().only(*VOTED_TOOL_FIELDS), slug=slug)


def _cast(request: HttpRequest, slug: str, *, withdraw: bool) -> HttpResponse:
    value = None
    if not withdraw:
        value = request.POST.get("value", "")
        if value not in VOTE_VALUES:
            error = VOTE_INVALID if value else VOTE_REQUIRED
            return _refuse_vote(request, _voted_tool(slug), 400, error)
    voter = voter_for(request, create=True)
    client = address_hash(request)  # never the address itself
    checks = _vote_limits(client, voter)
    if voter.is_new and value is not None:
        # The most common vote of all, a visitor's first: one statement hits the rate limits,
        # finds the tool, adds the vote and moves the count (shared with other threads' first
        # votes of the same moment).
        try:
            tool = vote_first(
                slug=slug, voter=voter, value=value, address_hash=client, checks=checks
            )
        except RateLimited:
            return _refuse_vote(request, _voted_tool(slug), 429, TOO_MANY_VOTES)
        if tool is None:
            raise Http404("No published tool has that name.")
    else:
        if not limits.hit_all(checks):
            return _refuse_vote(request, _voted_tool(slug), 429, TOO_MANY_VOTES)
        tool = _voted_tool(slug)
        vote_set(tool=tool, voter=voter, value=value, address_hash=client)
    tool.my_vote = value
    message = _vote_message(tool, value)
    if request.htmx:
        response = _widget(request, tool, draw=vote_response, status_message=message)
    else:
        messages.success(request, message)
        response = HttpResponseRedirect(_return_to(request, tool))
    return remember(response, voter)


@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    return _cast(request, slug, withdraw=False)


@require_POST
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    return _cast(request, slug, withdraw=True)


def _toggle_bookmark(request: HttpRequest, slug: str, *, saved: bool) -> HttpResponse:
    tool = get_object_or_404(Tool.objects.published(), slug=slug)
    return_to = _return_to(request, tool)
    if not request.user.is_authenticated:
        login_url = f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': return_to})}"
        if request.htmx:
            return HttpResponseClientRedirect(login_url)
        return HttpResponseRedirect(login_url)
    if saved:
        bookmark_add(user_id=request.user.pk, tool=tool)
    else:
        bookmark_remove(user_id=request.user.pk, tool=tool)
    if not request.htmx:
        messages.success(request, f"{'Bookmarked' if saved else 'Removed from bookmarks'}: {tool}")
        return HttpResponseRedirect(return_to)
    tool.is_bookmarked = saved
    context = {"tool": tool, "return_to": return_to}
    response = render(request, "votes/partials/bookmark_button.html", context)
    return trigger_client_event(response, BOOKMARKS_CHANGED)


@require_POST
def bookmark(request: HttpRequest, slug: str) -> HttpResponse:
    return _toggle_bookmark(request, slug, saved=True)


@require_POST
def unbookmark(request: HttpRequest, slug: str) -> HttpResponse:
    return _toggle_bookmark(request, slug, saved=False)


@require_GET
def bookmarks_panel(request: HttpRequest) -> HttpResponse:
    tools = bookmarked_tools(request.user) if request.user.is_authenticated else []
    return render(request, "votes/partials/bookmarks_panel.html", {"bookmarks": tools})


@login_required
@require_GET
def bookmark_list(request: HttpRequest) -> HttpResponse:
    tools = bookmarked_tools(request.user)
    for tool in tools:
        tool.is_bookmarked = True
    form = None
    status = 200
    if "tools" in request.GET:
        form = CompareSelectedForm(request.GET, slugs=[tool.slug for tool in tools])
        if form.is_valid():
            slugs = COMPARE_SEPARATOR.join(sorted(form.cleaned_data["tools"]))
            return redirect("comparisons:compare", slugs=slugs)
        status = 400
    return render(
        request, "votes/bookmark_list.html", {"bookmarks": tools, "form": form}, status=status
    )


@require_GET
def how_votes_are_counted(request: HttpRequest) -> HttpResponse:
    context = {
        "threshold": settings.SHIPSKIP_COMMUNITY_THRESHOLD,
        "vote_rate": limits.Rate.parse(settings.SHIPSKIP_VOTE_RATE),
        "address_rate": limits.Rate.parse(settings.SHIPSKIP_VOTE_RATE_PER_ADDRESS),
    }
    return render(request, "votes/how_votes_are_counted.html", context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    message = "This page was open too long to accept that. Reload it and try again."
    if request.headers.get("HX-Request"):
        return HttpResponse(f'<p class="form-error" role="alert">{message}</p>', status=403)
    context = {"title": "Please reload the page", "message": message}
    return render(request, "error.html", context, status=403)
