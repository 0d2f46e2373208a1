"""Whole-page caching that never shows one visitor another's state or a stale count.

A page is cached under a key made of everything that can change it:
- the catalog version (PostgreSQL triggers bump it on every editorial write, so a publish
  invalidates every worker's and node's copies at once, whatever cache backend is used);
- the community counts of the page's tools (tool and comparison pages) or a fingerprint of all
  counts (lists), so a vote invalidates exactly the pages that show it. Both come from the
  worker's change feed (``comparisons.changefeed``, no query) while it listens; without it, a
  tool or comparison page asks PostgreSQL (one query) and lists are not cached;
- the visitor: the user, and their own votes and bookmarks;
- the address (host, path and query), the template (a full page or an htmx partial) and the date.
The CSRF token is the one part that differs for every visitor with the same key: pages are
cached with a placeholder, and each response gets the visitor's own token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import timezone

from comparisons.changefeed import feed
from votes.selectors import VisitorState, preloaded_state_of, visitor_state
from votes.voters import voter_for

CSRF_PLACEHOLDER = "csrf-token-placeholder-7f3a9c1e"
TIMEOUT = 300  # seconds; keys change on every relevant write, this only bounds memory


def cacheable(request: HttpRequest) -> bool:
    """Staff see drafts and banners, and flash messages show once: those pages are live."""
    return (
        settings.SHIPSKIP_PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and not request.user.is_staff
        and "messages" not in request.COOKIES
    )


def shared(key: str, version, compute: Callable):
    """Data every visitor sees alike, kept under the catalog version (or fingerprint) it came
    from: recomputed only after a write that could change it."""
    digest = hashlib.sha256(repr(version).encode()).hexdigest()[:32]
    return cache.get_or_set(f"shared:{key}:{digest}", compute, TIMEOUT)


def tools_fingerprint(slugs: list[str]) -> tuple[int | None, list]:
    """The catalog version, and what identifies these tools' community counts: from the change
    feed's memory when it is listening (no query), else (id, slug, status, ships, skips) of each
    tool (one query)."""
    live = feed.snapshot()
    if live is not None:
        return live.catalog, [("feed", live.session, *slugs, *live.tool_keys(slugs))]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT version FROM comparisons_catalogversion WHERE id = 1), "
            "id, slug, status, community_ships, community_skips "
            "FROM comparisons_tool WHERE slug = ANY(%s) ORDER BY id",
            [slugs],
        )
        rows = cursor.fetchall()
    if not rows:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version FROM comparisons_catalogversion WHERE id = 1")
            row = cursor.fetchone()
        return (row[0] if row else None), []
    return rows[0][0], [row[1:] for row in rows]


def catalog_fingerprint() -> tuple | None:
    """The catalog version and a community version that moves after every committed change to
    any tool's counts, from the change feed's memory (no query). None while the feed is not
    listening: no single cheap read tells whether any of a list's counts moved, so pages that
    show many tools' counts are then rendered live, not cached."""
    live = feed.snapshot()
    if live is None:
        return None
    return (live.catalog, live.session, live.community)


def page_visitor_state(request: HttpRequest) -> VisitorState:
    """What of this visitor's a page may show, read once per request: none for a first-time
    visitor, one query for a returning voter, and for a user what their session read brought
    (``accounts.sessions``). Page views never write votes or bookmarks, so nothing is newer."""
    state = getattr(request, "visitor_state", None)
    if state is None:
        state = preloaded_state_of(request.user)
    if state is None:
        state = visitor_state(voter=voter_for(request), user=request.user)
    request.visitor_state = state
    return state


def visitor_key(request: HttpRequest) -> tuple:
    """Who is looking and what of theirs a page may show; the page reuses the state."""
    user = request.user
    return (user.pk if user.is_authenticated else None, page_visitor_state(request))


def render_page(
    request: HttpRequest, template: str, context: dict, status: int = 200
) -> HttpResponse:
    """Render for the cache: the CSRF token becomes the placeholder (see ``respond``)."""
    if getattr(request, "_page_cache", False):
        context = {**context, "csrf_token": CSRF_PLACEHOLDER}
    return render(request, template, context, status=status)


def respond(
    request: HttpRequest, key_parts: tuple | None, produce: Callable[[], HttpResponse]
) -> HttpResponse:
    """Serve the cached page for ``key_parts`` or ``produce`` it (and keep it if it is a page).
    Without key parts (nothing tells when the page would change) it is always produced."""
    if key_parts is None or not cacheable(request):
        return produce()
    raw = repr(
        (
            request.get_host(),
            request.get_full_path(),
            request.headers.get("HX-Target"),
            timezone.localdate(),
            key_parts,
            visitor_key(request),
        )
    )
    key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
    entry = cache.get(key)
    if entry is not None:
        content, headers = entry
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        return _with_token(request, response)
    request._page_cache = True
    try:
        response = produce()
    finally:
        request._page_cache = False
    # Only whole 200 pages are kept; redirects and errors are cheap and must stay live.
    if response.status_code == 200 and not response.streaming:
        headers = {name: value for name, value in response.items() if name.lower() in KEPT_HEADERS}
        cache.set(key, (response.content, headers), TIMEOUT)
    return _with_token(request, response)


KEPT_HEADERS = {"content-type", "hx-push-url", "vary"}


def _with_token(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if not response.streaming and CSRF_PLACEHOLDER.encode() in response.content:
        response.content = response.content.replace(
            CSRF_PLACEHOLDER.encode(), get_token(request).encode()
        )
        response["Content-Length"] = str(len(response.content))
    return response
