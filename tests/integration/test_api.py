"""The open-data API: its documented shapes, figures that match the site, and its HTTP manners."""

import datetime as dt
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from api.samples import SAMPLES
from comparisons.models import Comparison, Review, Status, Tool
from tests.factories import (
    CategoryFactory,
    ToolFactory,
    comparison_of,
    panel,
    reviewed_tool,
)
from tests.integration.test_comparison_page import text_of

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/api/", "/api/tools/", "/api/categories/", "/api/personas/", "/api/comparisons/"]
TOOL_KEYS = {
    "slug",
    "name",
    "maker",
    "category",
    "tagline",
    "pricing",
    "panel",
    "community",
    "stale",
    "url",
    "api_url",
    "published_at",
}
DETAIL_KEYS = TOOL_KEYS | {"description", "website", "reviews"}
ENVELOPE_KEYS = {"count", "next", "previous", "results"}


def get_json(client, url: str, status: int = 200, **extra) -> dict:
    response = client.get(url, **extra)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def assert_error(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]["message"]


def is_absolute(url: str) -> bool:
    return url.startswith("http://testserver/")


def is_iso_datetime(value: str) -> bool:
    return dt.datetime.fromisoformat(value).tzinfo is not None


def assert_tool_shape(item: dict) -> None:
    assert set(item) == TOOL_KEYS
    for key in ("slug", "name", "maker", "tagline"):
        assert isinstance(item[key], str)
    assert set(item["category"]) == {"slug", "name"}
    assert set(item["pricing"]) == {"text", "entry_price", "model", "source_url", "verified_on"}
    assert isinstance(item["pricing"]["text"], str)
    assert item["pricing"]["model"] in {"free", "freemium", "paid", "open_weights"}
    if item["pricing"]["verified_on"] is not None:
        dt.date.fromisoformat(item["pricing"]["verified_on"])
    panel_figures = item["panel"]
    assert set(panel_figures) == {
        "verdict",
        "label",
        "ships",
        "skips",
        "ship_percent",
        "average_score",
    }
    assert panel_figures["verdict"] in {"ship", "skip", "split", None}
    assert isinstance(panel_figures["ships"], int) and isinstance(panel_figures["skips"], int)
    assert isinstance(panel_figures["average_score"], int | None)
    assert set(item["community"]) == {"ships", "skips", "votes", "ship_percent", "label"}
    assert isinstance(item["community"]["votes"], int)
    assert isinstance(item["stale"], bool)
    assert is_absolute(item["url"]) and item["url"].endswith(f"/tools/{item['slug']}/")
    assert item["api_url"] == f"http://testserver/api/tools/{item['slug']}/"
    assert is_iso_datetime(item["published_at"])


def test_the_index_lists_every_endpoint_with_an_absolute_url(client, db):
    body = get_json(client, "/api/")
    assert body["endpoints"] == {
        "tools": "http://testserver/api/tools/",
        "tool": "http://testserver/api/tools/{slug}/",
        "categories": "http://testserver/api/categories/",
        "personas": "http://testserver/api/personas/",
        "comparisons": "http://testserver/api/comparisons/",
        "badge": "http://testserver/badge/{slug}.svg",
    }
    assert body["docs"] == "http://testserver/api/docs/"
    assert body["rate_limit"] == "120 requests a minute per client address"


def test_every_demo_tool_is_listed_in_the_documented_shape(client, demo):
    body = get_json(client, "/api/tools/?page_size=100")
    assert set(body) == ENVELOPE_KEYS
    assert body["count"] == Tool.objects.published().count() == len(body["results"])
    assert body["next"] is None and body["previous"] is None
    for item in body["results"]:
        assert_tool_shape(item)
    names = [item["name"] for item in body["results"]]
    assert names == sorted(names)


def test_the_seed_tool_has_the_figures_its_page_shows(client, demo):
    body = get_json(client, "/api/tools/code-llama-4/")
    assert body["panel"] == {
        "verdict": "ship",
        "label": "Ship",
        "ships": 4,
        "skips": 0,
        "ship_percent": 100,
        "average_score": 80,
    }
    assert body["community"]["label"] == "No community votes yet"
    assert body["category"] == {"slug": "developer-tools", "name": "Developer Tools"}
    assert body["pricing"]["model"] == "open_weights"
    assert body["pricing"]["verified_on"] == "2026-10-06"
    assert body["published_at"] == "2026-10-08T12:00:00+00:00"
    page = text_of(client.get("/tools/code-llama-4/"))
    for figure in ("Verdict Ship", "Ship 4", "Skip 0", "Panel ship 100%", "Average score 80/100"):
        assert figure in page


def test_every_listed_panel_matches_the_figures_computed_from_its_reviews(client, demo):
    listed = get_json(client, "/api/tools/?page_size=100")["results"]
    for item in listed:
        tool = Tool.objects.get(slug=item["slug"])  # no annotations: Tool.panel aggregates
        assert item["panel"]["verdict"] == tool.panel.verdict
        assert item["panel"]["label"] == tool.panel.label
        assert item["panel"]["average_score"] == tool.panel.average_score
        assert item["panel"]["ship_percent"] == tool.panel.ship_percent
        assert item["stale"] == tool.freshness.is_stale
        assert item["community"]["label"] == tool.community.label
    assert {item["panel"]["verdict"] for item in listed} >= {"ship", "split"}


def test_a_hand_made_tool_shows_its_pricing_community_and_staleness(client):
    tool = reviewed_tool(
        "ship skip ship ship",
        scores=(90, 30, 70, 61),
        pricing_source_url="",
        pricing_verified_on=None,
        pricing_changed_on=dt.date(2026, 11, 20),  # after the reviews of 1 Nov: stale
        website="",
    )
    Tool.objects.filter(pk=tool.pk).update(community_ships=4, community_skips=2)
    body = get_json(client, f"/api/tools/{tool.slug}/")
    assert body["pricing"] == {
        "text": "Free",
        "entry_price": "Free",
        "model": "free",
        "source_url": None,
        "verified_on": None,
    }
    assert body["panel"] == {
        "verdict": "ship",
        "label": "Ship",
        "ships": 3,
        "skips": 1,
        "ship_percent": 75,
        "average_score": 63,
    }
    assert body["community"] == {
        "ships": 4,
        "skips": 2,
        "votes": 6,
        "ship_percent": 67,
        "label": "67% ship · 6 votes",
    }
    assert body["stale"] is True
    assert body["website"] is None


def test_a_tool_without_reviews_has_no_verdict_yet(client):
    tool = ToolFactory()
    body = get_json(client, f"/api/tools/{tool.slug}/")
    assert body["panel"] == {
        "verdict": None,
        "label": "No verdict yet",
        "ships": 0,
        "skips": 0,
        "ship_percent": None,
        "average_score": None,
    }
    assert body["reviews"] == []
    assert body["stale"] is False


def test_community_percentage_stays_hidden_below_the_threshold(client):
    tool = reviewed_tool()
    Tool.objects.filter(pk=tool.pk).update(community_ships=3, community_skips=1)
    community = get_json(client, f"/api/tools/{tool.slug}/")["community"]
    assert community["votes"] == 4
    assert community["ship_percent"] is None
    assert community["label"] == "4 votes so far"


def test_a_tool_detail_adds_description_website_and_reviews_in_panel_order(client, demo):
    body = get_json(client, "/api/tools/code-llama-4/")
    assert set(body) == DETAIL_KEYS
    assert_tool_shape({key: body[key] for key in TOOL_KEYS})
    assert body["website"] == "https://www.llama.com/"
    assert body["description"].startswith("Meta's code-specialised open-weight model family")
    assert [(r["persona"]["slug"], r["score"], r["verdict"]) for r in body["reviews"]] == [
        ("builder", 85, "ship"),
        ("skeptic", 78, "ship"),
        ("futurist", 82, "ship"),
        ("founder", 74, "ship"),
    ]
    for review in body["reviews"]:
        assert set(review) == {"persona", "score", "verdict", "body", "reviewed_on"}
        assert review["persona"]["name"] == review["persona"]["slug"].capitalize()
        assert review["body"]
        assert review["reviewed_on"] == "2026-10-06"


def test_an_unknown_tool_is_a_json_404_naming_the_slug(client, db):
    message = assert_error(client.get("/api/tools/no-such-tool/"), 404)
    assert message == "No published tool has the slug 'no-such-tool'."


def test_a_draft_tool_is_a_json_404_even_for_staff(admin_client):
    draft = reviewed_tool(status=Status.DRAFT, published_at=None)
    assert_error(admin_client.get(f"/api/tools/{draft.slug}/"), 404)


def test_drafts_never_appear_in_any_list(client):
    category = CategoryFactory(slug="editors")
    published = reviewed_tool(category=category)
    draft = reviewed_tool(category=category, status=Status.DRAFT, published_at=None)
    unpublished_later = reviewed_tool(category=category)
    comparison_of(published, draft, status=Status.DRAFT)
    comparison_of(published, unpublished_later)  # published, then one of its tools withdrawn
    shown = comparison_of(published, reviewed_tool())
    Tool.objects.filter(pk=unpublished_later.pk).update(status=Status.DRAFT)

    listed = {item["slug"] for item in get_json(client, "/api/tools/?page_size=100")["results"]}
    assert published.slug in listed
    assert draft.slug not in listed and unpublished_later.slug not in listed
    assert listed == set(Tool.objects.published().values_list("slug", flat=True))

    comparisons = get_json(client, "/api/comparisons/")
    assert [c["tools"] for c in comparisons["results"]] == [[t.slug for t in shown.ordered_tools]]

    categories = get_json(client, "/api/categories/")["results"]
    assert next(c for c in categories if c["slug"] == "editors")["tools"] == 1


def test_pages_link_to_their_neighbours_with_absolute_addresses(client):
    category = CategoryFactory()
    for _ in range(5):
        ToolFactory(category=category)
    ToolFactory()  # another category: filtered out
    url = f"/api/tools/?category={category.slug}&page_size=2"

    first = get_json(client, url)
    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert is_absolute(first["next"])
    query = parse_qs(urlsplit(first["next"]).query)
    assert query == {"category": [category.slug], "page_size": ["2"], "page": ["2"]}

    second = get_json(client, first["next"])
    assert parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]
    third = get_json(client, second["next"])
    assert len(third["results"]) == 1
    assert third["next"] is None
    seen = [item["slug"] for page in (first, second, third) for item in page["results"]]
    assert len(set(seen)) == 5
    assert seen == sorted(seen, key=lambda slug: Tool.objects.get(slug=slug).name)


def test_page_size_defaults_to_20_and_is_capped_at_100(client):
    category = CategoryFactory()
    ToolFactory.create_batch(105, category=category)
    assert len(get_json(client, "/api/tools/")["results"]) == 20
    assert len(get_json(client, "/api/tools/?page_size=100")["results"]) == 100
    message = assert_error(client.get("/api/tools/?page_size=101"), 400)
    assert message == "page_size must be from 1 to 100, not 101."
    assert assert_error(client.get("/api/tools/?page=0"), 400) == "page must be 1 or more, not 0."


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=two",
        "page=1.5",
        "page=3",
        "page=99999999999999999999",
        "page_size=0",
        "page_size=ten",
        "page_size=1000",
    ],
)
def test_bad_paging_parameters_are_json_400s(client, query):
    tools = ToolFactory.create_batch(3)
    comparison_of(*tools)
    for path in ("/api/tools/", "/api/comparisons/"):
        assert_error(client.get(f"{path}?page_size=2&{query}"), 400)


def test_a_blank_parameter_means_no_filter(client):
    ToolFactory.create_batch(2)
    assert get_json(client, "/api/tools/?category=&verdict=&page=")["count"] == 2


def test_the_category_filter_keeps_that_categorys_tools(client, demo):
    body = get_json(client, "/api/tools/?category=developer-tools&page_size=100")
    assert (
        body["count"] == Tool.objects.published().filter(category__slug="developer-tools").count()
    )
    assert body["count"] > 0
    assert {item["category"]["slug"] for item in body["results"]} == {"developer-tools"}
    empty = CategoryFactory(slug="empty-shelf")
    assert get_json(client, f"/api/tools/?category={empty.slug}")["count"] == 0


def test_an_unknown_category_is_a_json_400(client, db):
    for path in ("/api/tools/", "/api/comparisons/"):
        message = assert_error(client.get(f"{path}?category=no-such-category"), 400)
        assert "no-such-category" in message


def test_the_verdict_filter_keeps_tools_with_that_panel_verdict(client):
    shipped = reviewed_tool("ship ship ship skip")
    skipped = reviewed_tool("skip skip ship skip")
    split = reviewed_tool("ship skip ship skip")
    ToolFactory()  # no reviews: no verdict, in no filter
    for verdict, tool in (("ship", shipped), ("skip", skipped), ("split", split)):
        body = get_json(client, f"/api/tools/?verdict={verdict}")
        assert [item["slug"] for item in body["results"]] == [tool.slug]
        assert body["results"][0]["panel"]["verdict"] == verdict
    assert get_json(client, "/api/tools/")["count"] == 4


def test_verdict_and_category_filters_combine(client):
    category = CategoryFactory()
    wanted = reviewed_tool("skip skip skip skip", category=category)
    reviewed_tool("ship ship ship ship", category=category)
    reviewed_tool("skip skip skip skip")
    body = get_json(client, f"/api/tools/?category={category.slug}&verdict=skip")
    assert [item["slug"] for item in body["results"]] == [wanted.slug]


def test_an_unknown_verdict_is_a_json_400(client, db):
    message = assert_error(client.get("/api/tools/?verdict=maybe"), 400)
    assert message == "verdict must be one of ship, skip, split, not 'maybe'."


def test_categories_list_every_category_with_its_published_tool_count(client, demo):
    body = get_json(client, "/api/categories/")
    assert set(body) == ENVELOPE_KEYS
    assert body["count"] == len(body["results"]) == 6
    for item in body["results"]:
        assert set(item) == {"slug", "name", "description", "tools", "url"}
        assert item["url"] == f"http://testserver/categories/{item['slug']}/"
        assert item["tools"] == Tool.objects.published().filter(category__slug=item["slug"]).count()
    developer_tools = next(c for c in body["results"] if c["slug"] == "developer-tools")
    assert developer_tools["name"] == "Developer Tools"
    assert sum(item["tools"] for item in body["results"]) == Tool.objects.published().count()


def test_personas_list_the_panel_in_order_with_their_likes_and_dislikes(client, db):
    panel()
    body = get_json(client, "/api/personas/")
    assert set(body) == ENVELOPE_KEYS
    assert [p["slug"] for p in body["results"]] == ["builder", "skeptic", "futurist", "founder"]
    for item in body["results"]:
        assert set(item) == {"slug", "name", "motto", "lens", "likes", "dislikes", "url"}
        assert item["url"] == f"http://testserver/panel/{item['slug']}/"
        assert item["likes"] and all(isinstance(line, str) and line for line in item["likes"])
        assert item["dislikes"] and all(isinstance(line, str) for line in item["dislikes"])
    assert body["results"][0]["likes"][0] == "Clean primitives you can compose"


def test_comparisons_list_the_curated_comparisons_in_the_documented_shape(client, demo):
    body = get_json(client, "/api/comparisons/?page_size=100")
    assert body["count"] == Comparison.objects.published().count() == len(body["results"])
    for item in body["results"]:
        assert set(item) == {"title", "url", "tools", "editor_note", "picks", "published_at"}
        assert is_absolute(item["url"])
        assert set(item["picks"]) <= set(item["tools"])
        assert is_iso_datetime(item["published_at"])
    published = [item["published_at"] for item in body["results"]]
    assert published == sorted(published, reverse=True)
    seed = next(c for c in body["results"] if c["tools"][0] == "code-llama-4")
    assert seed["tools"] == ["code-llama-4", "mistral-3-small"]
    assert seed["url"] == "http://testserver/compare/code-llama-4-vs-mistral-3-small/"
    assert seed["title"] == "Code Llama 4 (70B & 400B) vs Mistral 3 Small (22B)"
    assert seed["picks"] == {}
    editors = next(c for c in body["results"] if c["tools"][0] == "cursor")
    assert editors["tools"] == ["cursor", "github-copilot", "claude-code"]
    assert editors["picks"]["claude-code"].startswith("Pick Claude Code if")
    assert editors["editor_note"]
    assert client.get(urlsplit(seed["url"]).path).status_code == 200


def test_comparisons_keep_the_editors_order_and_filter_by_any_tools_category(client):
    editors = CategoryFactory()
    first, second = reviewed_tool(name="Zed"), reviewed_tool(name="Atom", category=editors)
    ordered = comparison_of(first, second)
    comparison_of(reviewed_tool(), reviewed_tool())  # nothing from that category
    body = get_json(client, f"/api/comparisons/?category={editors.slug}")
    assert body["count"] == 1
    assert body["results"][0]["tools"] == [first.slug, second.slug]
    assert body["results"][0]["title"] == "Zed vs Atom"
    assert body["results"][0]["url"] == f"http://testserver{ordered.get_absolute_url()}"


def test_comparisons_are_paginated_newest_first(client):
    comparisons = [comparison_of(reviewed_tool(), reviewed_tool()) for _ in range(3)]
    first = get_json(client, "/api/comparisons/?page_size=2")
    assert first["count"] == 3
    assert is_absolute(first["next"])
    newest = comparisons[-1].ordered_tools
    assert first["results"][0]["tools"] == [tool.slug for tool in newest]
    second = get_json(client, first["next"])
    assert [item["tools"] for item in second["results"]] == [
        [tool.slug for tool in comparisons[0].ordered_tools]
    ]
    assert second["next"] is None


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_any_method_that_would_change_something_is_a_json_405(method, db):
    client = Client(enforce_csrf_checks=True)  # as a real client: no CSRF token
    for path in [*ENDPOINTS, "/api/tools/anything/"]:
        response = getattr(client, method)(path)
        assert_error(response, 405)
        assert response["Allow"] == "GET, HEAD, OPTIONS"
        assert response["Access-Control-Allow-Origin"] == "*"


def test_head_answers_like_get_without_a_body(client, db):
    response = client.head("/api/tools/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == b""


def test_an_options_preflight_answers_204_with_the_cors_headers(client, db):
    for path in [*ENDPOINTS, "/api/tools/code-llama-4/"]:
        response = client.options(
            path,
            headers={
                "Origin": "https://dashboard.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert response.status_code == 204
        assert response.content == b""
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
        assert response["Access-Control-Allow-Headers"] == "Content-Type"
        assert int(response["Access-Control-Max-Age"]) > 0


def test_every_api_answer_may_be_read_from_any_origin(client, demo, settings, monkeypatch):
    settings.SHIPSKIP_API_RATE = "10/m"
    # One fixed minute: a run that crossed a minute's edge would start a fresh window.
    monkeypatch.setattr("throttle.limits.time", SimpleNamespace(time=lambda: 60_000.0))
    responses = [client.get(path) for path in ENDPOINTS]
    responses += [
        client.get("/api/tools/code-llama-4/"),
        client.get("/api/tools/nope/"),
        client.get("/api/tools/?page=zero"),
        client.get("/api/nowhere/"),
        client.delete("/api/tools/"),
    ]
    assert [r.status_code for r in responses] == [200] * 6 + [404, 400, 404, 405]
    for _ in range(3):
        responses.append(client.get("/api/"))
    assert responses[-1].status_code == 429
    for response in responses:
        assert response["Access-Control-Allow-Origin"] == "*"


def test_past_the_rate_limit_the_api_answers_json_429_with_retry_after(
    client, db, settings, monkeypatch
):
    settings.SHIPSKIP_API_RATE = "2/m"
    monkeypatch.setattr("throttle.limits.time", SimpleNamespace(time=lambda: 60_030.0))
    assert client.get("/api/").status_code == 200
    assert client.get("/api/tools/").status_code == 200
    response = client.get("/api/personas/")
    message = assert_error(response, 429)
    assert message.startswith("Too many requests: the API allows 2 requests a minute")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Cache-Control"] == "no-store"
    # The limit is per client address: another address still gets answers.
    assert client.get("/api/", REMOTE_ADDR="192.0.2.7").status_code == 200
    # Preflights cost nothing and are never refused.
    assert client.options("/api/").status_code == 204


def test_unknown_api_addresses_answer_json_404s(client, db):
    for path in ("/api/nowhere/", "/api/tools/a/b/", "/api/v2/tools/", "/api/tools/not a slug/"):
        message = assert_error(client.get(path), 404)
        assert "http://testserver/api/" in message


def test_an_endpoint_without_its_slash_redirects_to_it(client, db):
    response = client.get("/api/tools?page_size=5")
    assert response.status_code == 301
    assert response["Location"] == "/api/tools/?page_size=5"
    assert_error(client.get("/api/nowhere"), 404)


def test_answers_are_cached_publicly_for_a_minute_and_errors_not_at_all(client, demo):
    for path in [*ENDPOINTS, "/api/tools/code-llama-4/"]:
        response = client.get(path)
        assert response["Cache-Control"] == "public, max-age=60"
        # Shared caches may keep it: nothing in it depends on who asked.
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.get("Vary", "")
    assert client.get("/api/tools/nope/")["Cache-Control"] == "no-store"


def test_no_api_answer_changes_anything(client, demo):
    counts = (Tool.objects.count(), Review.objects.count(), Comparison.objects.count())
    for path in [*ENDPOINTS, "/api/tools/code-llama-4/"]:
        client.get(path)
        client.post(path, {"name": "changed"})
    assert (Tool.objects.count(), Review.objects.count(), Comparison.objects.count()) == counts


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _catalog(tools: int, comparisons: int) -> None:
    personas = panel()
    category = CategoryFactory(slug="bulk")
    made = ToolFactory.create_batch(tools, category=category)
    Review.objects.bulk_create(
        Review(tool=tool, persona=persona, score=70, verdict="ship", body="Fine.")
        for tool in made
        for persona in personas
    )
    for index in range(comparisons):
        comparison_of(made[index], made[index + 1], made[index + 2])


def test_lists_cost_the_same_queries_for_5_or_50_items_a_page(client):
    _catalog(tools=60, comparisons=55)
    for path in ("/api/tools/", "/api/tools/?category=bulk&verdict=ship", "/api/comparisons/"):
        sep = "&" if "?" in path else "?"
        small = _queries(client, f"{path}{sep}page_size=5")
        large = _queries(client, f"{path}{sep}page_size=50")
        assert small == large, path
    # The rate-limit hit, the count and the page; the category look-up; the tools of the page.
    assert _queries(client, "/api/tools/?page_size=50") == 3
    assert _queries(client, "/api/tools/?category=bulk&page_size=50") == 4
    assert _queries(client, "/api/comparisons/?page_size=50") == 4


def test_other_endpoints_cost_the_same_queries_whatever_the_catalog_size(client):
    bare = ToolFactory()
    reviewed = reviewed_tool()
    paths = ["/api/", "/api/categories/", "/api/personas/"]
    few = [_queries(client, path) for path in paths]
    _catalog(tools=40, comparisons=10)
    CategoryFactory.create_batch(10)
    assert [_queries(client, path) for path in paths] == few == [1, 2, 2]
    # A tool with no reviews costs what one with four does.
    assert _queries(client, f"/api/tools/{bare.slug}/") == 3
    assert _queries(client, f"/api/tools/{reviewed.slug}/") == 3


def test_the_docs_page_documents_every_endpoint_with_a_curl_example(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = text_of(response)
    assert "Open data API" in page
    for path in (
        "GET /api/",
        "GET /api/tools/",
        "GET /api/tools/<slug>/",
        "GET /api/categories/",
        "GET /api/personas/",
        "GET /api/comparisons/",
    ):
        assert path in page
    for example in (
        "curl -s http://testserver/api/",
        'curl -s "http://testserver/api/tools/?category=developer-tools&page_size=1&page=2"',
        "curl -s http://testserver/api/tools/code-llama-4/",
        "curl -s http://testserver/api/categories/",
        "curl -s http://testserver/api/personas/",
        'curl -s "http://testserver/api/comparisons/?page_size=1"',
    ):
        assert example in page
    for topic in ("120 requests a minute", "Access-Control-Allow-Origin: *", "Retry-After"):
        assert topic in page
    assert "http://testserver/badge/{slug}.svg?theme=dark" in page
    assert '"average_score": 80' in page
    assert "{base}" not in page


def _shape(value, key: str = ""):
    """Keys all the way down (lists by their first item), with values reduced to their type;
    picks are keyed by whichever tools they are for."""
    if key == "picks":
        return {type(text).__name__ for text in value.values()}
    if isinstance(value, dict):
        return {name: _shape(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def test_the_documented_samples_have_the_live_answers_shape(client, demo):
    Tool.objects.filter(slug="code-llama-4").update(community_ships=3, community_skips=1)
    for sample, path in [
        ("index", "/api/"),
        ("tools", "/api/tools/?category=developer-tools&page_size=1&page=2"),
        ("tool", "/api/tools/code-llama-4/"),
        ("categories", "/api/categories/"),
        ("personas", "/api/personas/"),
        ("comparisons", "/api/comparisons/?page_size=1"),
    ]:
        assert _shape(SAMPLES[sample]) == _shape(get_json(client, path)), sample
