"""Walk every URL pattern of the site and hold each one to the same security rules.

The walk reads ``get_resolver().url_patterns`` (the admin and Django's static/debug patterns
aside), so a new address is covered the day it is added, and a pattern the walk cannot fill in
fails the suite instead of being skipped:

- a POST without a CSRF token is refused (403 from the CSRF check, or 405), except for the few
  token-authorised endpoints in ``CSRF_EXEMPT`` below;
- a GET changes no row of any table, and never answers a 5xx;
- every endpoint that writes refuses GET with a 405.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.conf import settings
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from accounts.models import User
from newsletter import services
from newsletter.models import Subscriber
from tests.factories import make_user, reviewed_tool
from throttle.checks import RATE_SETTINGS
from votes.models import Bookmark, Vote

pytestmark = pytest.mark.django_db

# --- The walk ----------------------------------------------------------------------------------

# Signed exactly as real links are, but with a salt the views never accept: plausible, invalid.
INVALID_TOKEN = signing.dumps(123456, salt="security-walk.not-a-real-salt", compress=True)

# Values for path parameters: (view name, parameter) first, then the parameter alone.
VALUES_FOR_VIEW = {
    ("comparisons:category", "slug"): "health",
    ("category-feed-rss", "slug"): "health",
    ("category-feed-atom", "slug"): "health",
    ("comparisons:persona", "slug"): "skeptic",
    # Django's reset link: a base64 user id and "<timestamp>-<hash>"; both junk here.
    ("accounts:password_reset_confirm", "uidb64"): "Tk9QRQ",
    ("accounts:password_reset_confirm", "token"): "cz0qfx-0123456789abcdef0123456789abcdef",
}
VALUES_FOR_PARAMETER = {
    "slug": "cursor",  # a published tool of the demo catalog
    "slugs": "cursor-vs-ollama",
    "token": INVALID_TOKEN,
    "path": "nothing/here",  # the API's catch-all
}

_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")
# The only regex shape we know how to fill: a whole-path catch-all like ^(?P<path>.*)$.
_CATCH_ALL = re.compile(r"\^?\(\?P<(?P<parameter>\w+)>\.\*\)(?:\$|\\Z)?")
_REGEX_META = re.compile(r"[\\.^$*+?{}\[\]|()]")


@dataclass(frozen=True)
class Address:
    view_name: str  # "namespace:name", or the view's dotted path when the pattern has no name
    route: str  # the pattern as written, for messages
    path: str | None  # None: the walk could not build a concrete path
    problem: str = ""


def _value(view_name: str, parameter: str) -> str | None:
    return VALUES_FOR_VIEW.get((view_name, parameter), VALUES_FOR_PARAMETER.get(parameter))


def _fill(pattern, view_name: str) -> tuple[str | None, str]:
    """The concrete text for one pattern segment, or (None, why not)."""
    if isinstance(pattern, RoutePattern):
        route = str(pattern._route)
        missing = []

        def substitute(match: re.Match) -> str:
            value = _value(view_name, match["parameter"])
            if value is None:
                missing.append(match.group(0))
                return match.group(0)
            return value

        filled = _ROUTE_PARAMETER.sub(substitute, route)
        if missing:
            return None, f"no value for {', '.join(missing)}"
        return filled, ""
    if isinstance(pattern, RegexPattern):
        regex = str(pattern._regex)
        catch_all = _CATCH_ALL.fullmatch(regex)
        if catch_all:
            value = _value(view_name, catch_all["parameter"])
            if value is None:
                return None, f"no value for the catch-all group {catch_all['parameter']!r}"
            return value, ""
        literal = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
        if _REGEX_META.search(literal):
            return None, f"cannot build a path for the regex {regex!r}"
        return literal, ""
    return None, f"unknown pattern type {type(pattern).__name__}"


def _skipped_resolver(resolver: URLResolver) -> bool:
    route = str(resolver.pattern)
    return resolver.app_name == "admin" or route.startswith(("admin/", "__debug__"))


def _skipped_pattern(pattern: URLPattern) -> bool:
    """Django's own static-file and debug views (``static()``, staticfiles, debug toolbar)."""
    module = getattr(pattern.callback, "__module__", "") or ""
    return module.startswith(("django.views.static", "django.contrib.staticfiles", "debug_toolbar"))


def _walk(patterns, parts=(), namespaces=()) -> Iterator[tuple[tuple, tuple, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if _skipped_resolver(entry):
                continue
            namespace = (entry.namespace,) if entry.namespace else ()
            yield from _walk(entry.url_patterns, (*parts, entry.pattern), (*namespaces, *namespace))
        elif isinstance(entry, URLPattern):
            if not _skipped_pattern(entry):
                yield (*parts, entry.pattern), namespaces, entry
        else:  # pragma: no cover - Django only has the two
            raise TypeError(f"unknown URL entry {entry!r}")


def _view_name(namespaces: tuple, pattern: URLPattern) -> str:
    if pattern.name:
        return ":".join([*namespaces, pattern.name])
    return pattern.lookup_str


def site_addresses() -> list[Address]:
    addresses = []
    for parts, namespaces, pattern in _walk(get_resolver().url_patterns):
        view_name = _view_name(namespaces, pattern)
        route = "".join(str(p) for p in parts)
        texts, problems = [], []
        for part in parts:
            text, problem = _fill(part, view_name)
            texts.append(text)
            if problem:
                problems.append(problem)
        if problems:
            addresses.append(Address(view_name, route, None, "; ".join(problems)))
            continue
        path = "/" + "".join(texts)
        match = resolve(path)
        resolved = match.view_name if pattern.name else match._func_path
        if resolved != view_name:
            addresses.append(
                Address(view_name, route, None, f"{path} resolves to {resolved}, not to it")
            )
            continue
        addresses.append(Address(view_name, route, path))
    return addresses


def buildable() -> list[Address]:
    addresses = site_addresses()
    unbuilt = [a for a in addresses if a.path is None]
    assert not unbuilt, "the walk could not build these patterns:\n" + "\n".join(
        f"  {a.route} ({a.view_name}): {a.problem}" for a in unbuilt
    )
    return addresses


# Every view the site had when this test was written. The walk finds new ones by itself; this
# list only proves that the walk is not silently finding less than it should.
KNOWN_VIEWS = {
    "liveness", "readiness", "sitemap", "robots", "feed-rss", "feed-atom",
    "category-feed-rss", "category-feed-atom",
    "accounts:login", "accounts:logout", "accounts:signup", "accounts:alerts",
    "accounts:password_change", "accounts:password_change_done", "accounts:password_reset",
    "accounts:password_reset_done", "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "api:index", "api:docs", "api:tools", "api:tool", "api:categories", "api:personas",
    "api:comparisons", "api:not-found", "badges:badge",
    "newsletter:subscribe", "newsletter:confirm", "newsletter:unsubscribe",
    "newsletter:alerts-off",
    "votes:vote", "votes:withdraw", "votes:bookmarks", "votes:bookmarks-panel",
    "votes:bookmark", "votes:unbookmark", "votes:how-votes-are-counted",
    "comparisons:home", "comparisons:tools", "comparisons:tool", "comparisons:category",
    "comparisons:search-suggestions", "comparisons:panel", "comparisons:persona",
    "comparisons:compare-build", "comparisons:compare",
}  # fmt: skip

# --- The CSRF allow-list -----------------------------------------------------------------------

# The only endpoints that may accept a POST without a CSRF token, and what each must answer to
# the walk's tokenless POST. Anything else that accepts one fails test_no_post_without_csrf.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients POST the List-Unsubscribe address with no
    # session and no CSRF token; the signed token in the address is the authorisation. The
    # walk's token is invalid, so the answer is 400 and nothing changes.
    "newsletter:unsubscribe": 400,
    # The same one-click POST from the List-Unsubscribe header of a verdict alert e-mail.
    "newsletter:alerts-off": 400,
    # The open-data API is read-only and answers any other method with a JSON 405 (api_view is
    # csrf_exempt so API clients get that JSON instead of the site's HTML CSRF page). No API
    # view writes anything. api:docs is an ordinary HTML page and is not exempt.
    "api:index": 405,
    "api:tools": 405,
    "api:tool": 405,
    "api:categories": 405,
    "api:personas": 405,
    "api:comparisons": 405,
    "api:not-found": 405,
}

CSRF_FAILURE_TEXT = "Reload it and try again"  # votes.views.csrf_failure
# What a form on the site would send, so that a missing CSRF check would really write.
PLAUSIBLE_POST = {
    "value": "ship",
    "email": "walker@example.com",
    "username": "walker",
    "password": "correct horse battery",
    "password1": "a long unusual passphrase 42",
    "password2": "a long unusual passphrase 42",
    "old_password": "correct horse battery",
    "new_password1": "a long unusual passphrase 42",
    "new_password2": "a long unusual passphrase 42",
    "verdict_alerts": "on",
}

# The endpoints that change state: GET must be a 405 for each.
WRITE_ENDPOINTS = [
    "/votes/cursor/",
    "/votes/cursor/withdraw/",
    "/bookmarks/cursor/add/",
    "/bookmarks/cursor/remove/",
    "/newsletter/subscribe/",
    "/accounts/logout/",
]

# --- Database snapshots ------------------------------------------------------------------------

# Rate-limit counters are deliberately written on reads: every API GET counts against the
# per-address API limit (api.http._answer). The throttle table is therefore left out of the
# row snapshot and checked on its own in test_no_get_changes_state (only API keys may move).
THROTTLE_TABLE = "throttle_counter"


def _tables() -> list[str]:
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables - {THROTTLE_TABLE})


def snapshot() -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of its whole content (so updates show too)."""
    state = {}
    with connection.cursor() as cursor:
        for table in _tables():
            name = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608
                f"FROM {name} t"
            )
            state[table] = cursor.fetchone()
    return state


def throttle_hits() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, hits FROM {THROTTLE_TABLE}")  # noqa: S608
        return dict(cursor.fetchall())


def changed_tables(before: dict, after: dict) -> dict:
    return {t: (before.get(t), after.get(t)) for t in after if before.get(t) != after.get(t)}


@pytest.fixture
def rates(settings):
    """Limits high enough that the walk never meets one (429 would hide the real answer), and
    WhiteNoise finding static files per request rather than scanning STATIC_ROOT each time a
    test Client builds the middleware (slow, and it fails while collectstatic rewrites it)."""
    settings.WHITENOISE_AUTOREFRESH = True
    for name in RATE_SETTINGS:
        setattr(settings, name, "100000/m")


def clients() -> list[tuple[str, Client]]:
    """An anonymous visitor and a logged-in reader, both with a CSRF cookie but no token: a
    cross-site form post carries the victim's cookies, never the token from our page."""
    anonymous = Client(enforce_csrf_checks=True)
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(make_user("walker-reader"))
    for client in (anonymous, reader):
        client.get("/")
        assert settings.CSRF_COOKIE_NAME in client.cookies, "the home page sets a CSRF cookie"
    return [("anonymous", anonymous), ("logged in", reader)]


# --- Tests ---------------------------------------------------------------------------------------


def test_the_walk_builds_a_path_for_every_pattern():
    addresses = buildable()
    found = {a.view_name for a in addresses}
    assert not KNOWN_VIEWS - found, f"the walk lost patterns: {sorted(KNOWN_VIEWS - found)}"
    assert not any(a.path.startswith("/admin/") for a in addresses)
    assert {a.path for a in addresses} >= {
        "/compare/cursor-vs-ollama/",
        "/api/nothing/here",
        "/categories/health/",
        "/panel/skeptic/",
        f"/newsletter/unsubscribe/{INVALID_TOKEN}/",
    }
    # Every allow-list entry names a real pattern: a renamed view cannot keep a stale exemption.
    assert not set(CSRF_EXEMPT) - found


def test_the_csrf_allow_list_is_exactly_the_csrf_exempt_views():
    """Read the views themselves: a new @csrf_exempt anywhere fails here even before the walk
    posts to it."""
    exempt = set()
    for _parts, namespaces, pattern in _walk(get_resolver().url_patterns):
        if getattr(pattern.callback, "csrf_exempt", False):
            exempt.add(_view_name(namespaces, pattern))
    assert exempt == set(CSRF_EXEMPT)


def test_no_post_without_csrf(demo, rates):
    addresses = buildable()
    visitors = clients()
    before = snapshot()
    problems = []
    for who, client in visitors:
        for address in addresses:
            response = client.post(address.path, PLAUSIBLE_POST)
            status = response.status_code
            where = f"{who} POST {address.path} ({address.view_name}) -> {status}"
            expected = CSRF_EXEMPT.get(address.view_name)
            if expected is not None:
                if status != expected:
                    problems.append(f"{where}, the allow-list expects {expected}")
                if expected == 405:
                    if response["Content-Type"] != "application/json":
                        problems.append(f"{where}: the API's 405 is not JSON")
                    if "POST" in response.get("Allow", ""):
                        problems.append(f"{where}: Allow lists POST")
                continue
            if status == 403:
                if CSRF_FAILURE_TEXT not in response.content.decode():
                    problems.append(f"{where}: a 403, but not from the CSRF check")
            elif status != 405:
                problems.append(f"{where}: a tokenless POST must be 403 or 405")
    assert not problems, "\n".join(problems)
    assert not changed_tables(before, snapshot()), "a tokenless POST changed the database"


def test_the_csrf_refusals_are_real_a_post_with_the_token_is_accepted(demo, rates):
    """The control for the test above: the same client with the page's token gets through."""
    client = Client(enforce_csrf_checks=True)
    client.get("/tools/cursor/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post("/votes/cursor/", {"value": "ship", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Vote.objects.filter(tool__slug="cursor").count() == 1


def test_no_get_changes_state(demo, rates):
    addresses = buildable()
    visitors = [("anonymous", Client()), ("logged in", Client())]
    visitors[1][1].force_login(make_user("walker-reader"))
    before, counters_before = snapshot(), throttle_hits()
    problems = []
    for who, client in visitors:
        for address in addresses:
            response = client.get(address.path)
            if response.status_code >= 500:
                problems.append(f"{who} GET {address.path} -> {response.status_code}")
    assert not problems, "\n".join(problems)
    assert not changed_tables(before, snapshot()), "a GET changed the database"
    counters_after = throttle_hits()
    moved = {k for k in counters_after if counters_after[k] != counters_before.get(k)}
    assert moved, "the API's GETs count against its limit: the walk should have moved a counter"
    assert all(k.startswith("api:address:") for k in moved), f"only API reads count: {moved}"


@pytest.mark.parametrize("path", WRITE_ENDPOINTS)
def test_write_endpoints_refuse_get(path, rates):
    reviewed_tool(slug="cursor")
    before = snapshot()
    anonymous, reader = Client(), Client()
    reader.force_login(make_user())
    for client in (anonymous, reader):
        response = client.get(path, {"value": "ship", "email": "walker@example.com"})
        assert response.status_code == 405, path
        assert "GET" not in response.get("Allow", ""), path
    # force_login wrote a session and last_login; nothing else may differ.
    changed = set(changed_tables(before, snapshot())) - {"accounts_session", "accounts_user"}
    assert not changed
    assert not Vote.objects.exists() and not Bookmark.objects.exists()
    assert not Subscriber.objects.exists()


def test_a_get_with_a_valid_token_asks_and_only_the_post_acts(rates):
    """The e-mailed links are real here (the walk's tokens are invalid): a link scanner that
    GETs them must not confirm, unsubscribe or switch alerts off."""
    waiting = Subscriber.objects.create(email="waiting@example.com")
    receiving = Subscriber.objects.create(email="receiving@example.com")
    Subscriber.objects.filter(pk=receiving.pk).update(confirmed_at="2026-01-01T00:00:00Z")
    user = make_user(verdict_alerts=True)
    links = [
        f"/newsletter/confirm/{services.token_for(waiting.pk, services.CONFIRM_SALT)}/",
        f"/newsletter/unsubscribe/{services.token_for(receiving.pk, services.UNSUBSCRIBE_SALT)}/",
        f"/newsletter/alerts-off/{services.token_for(user.pk, services.ALERTS_OFF_SALT)}/",
    ]
    before = snapshot()
    for link in links:
        assert Client().get(link).status_code == 200, link
    assert not changed_tables(before, snapshot())
    waiting.refresh_from_db()
    receiving.refresh_from_db()
    assert waiting.confirmed_at is None
    assert receiving.unsubscribed_at is None
    assert User.objects.get(pk=user.pk).verdict_alerts is True
