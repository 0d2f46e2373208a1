import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comparisons.models import Review, Status, Tool
from tests.factories import CategoryFactory, reviewed_tool
from tests.integration.test_comparison_page import text_of

pytestmark = pytest.mark.django_db

DEMO = json.loads((Path(__file__).parents[2] / "comparisons" / "demo_content.json").read_text())


def card_slugs(response) -> list[str]:
    return re.findall(r'id="tool-card-([a-z0-9-]+)"', response.content.decode())


def demo_verdict(tool: dict) -> str:
    ships = sum(r["verdict"] == "ship" for r in tool["reviews"].values())
    return "ship" if ships > 2 else "skip" if ships < 2 else "split"


def test_the_directory_lists_every_published_tool(client, demo):
    response = client.get("/tools/")
    assert response.status_code == 200
    assert sorted(card_slugs(response)) == sorted(t["slug"] for t in DEMO["tools"])
    assert f"{len(DEMO['tools'])} tools" in text_of(response)


@pytest.mark.parametrize("verdict", ["ship", "skip", "split"])
def test_filtering_by_panel_verdict(client, demo, verdict):
    expected = {t["slug"] for t in DEMO["tools"] if demo_verdict(t) == verdict}
    assert set(card_slugs(client.get("/tools/", {"verdict": verdict}))) == expected


def test_filtering_by_category_pricing_and_verdict_combined(client, demo):
    expected = {
        t["slug"]
        for t in DEMO["tools"]
        if t["category"] == "developer-tools"
        and t["pricing_model"] == "open_weights"
        and demo_verdict(t) == "ship"
    }
    response = client.get(
        "/tools/", {"category": "developer-tools", "pricing": "open_weights", "verdict": "ship"}
    )
    assert set(card_slugs(response)) == expected and expected


def test_a_category_page_applies_the_same_filters(client, demo):
    expected = {
        t["slug"] for t in DEMO["tools"] if t["category"] == "health" and demo_verdict(t) == "split"
    }
    response = client.get("/categories/health/", {"verdict": "split"})
    assert set(card_slugs(response)) == expected
    assert client.get("/categories/no-such-category/").status_code == 404


def test_the_dissent_filter_finds_skeptic_skips_that_the_builder_shipped(client, demo):
    expected = {
        t["slug"]
        for t in DEMO["tools"]
        if t["reviews"]["skeptic"]["verdict"] == "skip"
        and t["reviews"]["builder"]["verdict"] == "ship"
    }
    response = client.get("/tools/", {"skipped": "skeptic", "shipped": "builder"})
    assert set(card_slugs(response)) == expected and expected


def test_the_staleness_filter(client, demo):
    stale = set(card_slugs(client.get("/tools/", {"stale": "stale"})))
    fresh = set(card_slugs(client.get("/tools/", {"stale": "fresh"})))
    assert "cursor" in stale  # pricing changed after its reviews
    assert stale.isdisjoint(fresh)
    assert len(stale | fresh) == len(DEMO["tools"])


def test_sorting_by_name_newest_and_panel_score(client, demo):
    tools = DEMO["tools"]
    by_name = card_slugs(client.get("/tools/", {"sort": "name"}))
    assert by_name == [t["slug"] for t in sorted(tools, key=lambda t: t["name"])]
    newest = card_slugs(client.get("/tools/", {"sort": "newest"}))
    assert newest[0] == max(tools, key=lambda t: (t["published_on"], t["name"]))["slug"]
    by_score = card_slugs(client.get("/tools/", {"sort": "score"}))
    averages = {t["slug"]: sum(r["score"] for r in t["reviews"].values()) / 4 for t in tools}
    assert [averages[s] for s in by_score] == sorted(averages.values(), reverse=True)


def test_sorting_by_community_puts_tools_with_enough_votes_first(client):
    low, high, few = reviewed_tool(), reviewed_tool(), reviewed_tool()
    Tool.objects.filter(pk=low.pk).update(community_ships=1, community_skips=9)
    Tool.objects.filter(pk=high.pk).update(community_ships=9, community_skips=1)
    Tool.objects.filter(pk=few.pk).update(community_ships=2, community_skips=0)  # below 5
    assert card_slugs(client.get("/tools/", {"sort": "community"})) == [
        high.slug,
        low.slug,
        few.slug,
    ]


def test_filters_and_sort_combine_and_paginate(client):
    category = CategoryFactory()
    for _ in range(30):
        reviewed_tool(category=category)
    first = client.get("/tools/", {"category": category.slug, "sort": "name"})
    second = client.get("/tools/", {"category": category.slug, "sort": "name", "page": 2})
    assert len(card_slugs(first)) == 24 and len(card_slugs(second)) == 6
    assert "Page 1 of 2" in text_of(first)
    assert f"category={category.slug}&amp;sort=name&amp;page=2" in first.content.decode()


def test_an_htmx_filter_returns_only_the_results_and_pushes_a_clean_url(client, demo):
    response = client.get(
        "/tools/",
        {"q": "", "verdict": "split", "category": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="tool-results",
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="tool-results"')
    assert "<html" not in content
    assert response["HX-Push-Url"] == "/tools/?verdict=split"


def test_no_results_say_so_and_offer_to_clear_the_filters(client, demo):
    page = text_of(client.get("/tools/", {"q": "zzzz qqqq"}))
    assert "No tools match “zzzz qqqq”" in page and "Clear the filters" in page


def test_an_unknown_filter_value_is_a_400_that_keeps_the_valid_filters(client, demo):
    response = client.get("/tools/", {"verdict": "maybe", "category": "health"})
    assert response.status_code == 400
    assert "Some filters were not understood" in text_of(response)
    assert set(card_slugs(response)) == {
        t["slug"] for t in DEMO["tools"] if t["category"] == "health"
    }


def test_a_name_match_outranks_a_passing_mention_in_a_review(client):
    mention = reviewed_tool(name="Quillbot Writer")
    Review.objects.filter(tool=mention).update(body="Better than Zephyrine for long drafts.")
    named = reviewed_tool(name="Zephyrine")
    assert card_slugs(client.get("/tools/", {"q": "zephyrine"}))[:2] == [named.slug, mention.slug]


@pytest.mark.parametrize("query", ["Claude's", "claude!!!", "CLAUDE", "“claude”", "(claude)"])
def test_search_tolerates_case_and_punctuation(client, demo, query):
    assert "claude" in card_slugs(client.get("/tools/", {"q": query}))


def test_search_is_stemmed(client, demo):
    assert card_slugs(client.get("/tools/", {"q": "benchmarking"}))  # the reviews say "benchmark"


@pytest.mark.parametrize(
    "query", ["", "   ", "!!!", "a" * 500, "' OR 1=1 --", "<script>", "&|!:*()"]
)
def test_nonsense_empty_or_huge_queries_give_a_calm_answer(client, demo, query):
    response = client.get("/tools/", {"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("</header>", 1)[1]
    suggestions = client.get("/search/suggestions/", {"q": query})
    assert suggestions.status_code == 200


def test_search_suggestions_match_prefixes(client, demo):
    content = client.get("/search/suggestions/", {"q": "curs"}).content.decode()
    assert 'href="/tools/cursor/"' in content


def test_the_directory_costs_the_same_queries_for_15_or_150_tools(client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/tools/", {"verdict": "ship", "sort": "score"}).status_code == 200
        return len(queries)

    for _ in range(15):
        reviewed_tool()
    small = count()
    for _ in range(135):
        reviewed_tool()
    assert count() == small


def test_persona_tallies_match_the_demo_data(client, demo):
    expected = {}
    names = {c["slug"]: c["name"] for c in DEMO["categories"]}
    for tool in DEMO["tools"]:
        row = expected.setdefault(names[tool["category"]], [0, 0])
        row[0] += 1
        row[1] += tool["reviews"]["skeptic"]["verdict"] == "ship"
    page = text_of(client.get("/panel/skeptic/"))
    for name, (tools, shipped) in expected.items():
        plural = "tool" if tools == 1 else "tools"
        assert f"{name} : {tools} {plural}, {shipped} shipped" in page


def test_a_persona_page_lists_every_verdict_with_a_quote_and_filters_by_category(client, demo):
    page = text_of(client.get("/panel/founder/"))
    assert "The Founder" in page and "Gets excited about" in page and "Tired of" in page
    assert page.count("/100 ·") == len(DEMO["tools"])
    health = client.get("/panel/founder/", {"category": "health"})
    health_tools = [t for t in DEMO["tools"] if t["category"] == "health"]
    assert text_of(health).count("/100 ·") == len(health_tools)
    assert client.get("/panel/founder/", {"category": "nope"}).status_code == 400
    assert client.get("/panel/nobody/").status_code == 404


def test_the_panel_page_lists_the_four_personas(client, demo):
    page = text_of(client.get("/panel/"))
    for persona in ("Builder", "Skeptic", "Futurist", "Founder"):
        assert f"The {persona}" in page


def test_tool_pages_show_similar_tools_from_the_same_category(client, demo):
    content = client.get("/tools/ollama/").content.decode()
    section = content[content.index('id="similar-title"') :]
    section = section[: section.index("</section>")]
    linked = set(re.findall(r'href="/tools/([a-z0-9-]+)/"', section))
    same_category = {t["slug"] for t in DEMO["tools"] if t["category"] == "developer-tools"}
    assert linked and linked <= same_category - {"ollama"}


def test_the_picker_builds_a_comparison_from_a_typed_name(client, demo):
    response = client.get("/compare/", {"tools": "ollama", "add": "lm studio"})
    assert response.status_code == 302
    assert response["Location"] == "/compare/ollama-vs-lm-studio/"
    response = client.get("/compare/", {"tools": ["cursor", "ollama"], "add": "Claude Code"})
    assert response["Location"] == "/compare/cursor-vs-ollama-vs-claude-code/"
    final = client.get(response["Location"], follow=True)
    assert final.redirect_chain[-1][0] == "/compare/claude-code-vs-cursor-vs-ollama/"


def test_the_picker_explains_unknown_names_and_bad_counts(client, demo):
    assert client.get("/compare/", {"tools": "ollama", "add": "zzzz"}).status_code == 400
    assert client.get("/compare/", {"tools": "ollama"}).status_code == 400
    five = {"tools": ["cursor", "ollama", "claude", "chatgpt", "perplexity"]}
    assert client.get("/compare/", five).status_code == 400


def test_ad_hoc_comparisons_redirect_to_one_alphabetical_address(client, demo):
    response = client.get("/compare/ollama-vs-cursor/")
    assert response.status_code == 301 and response["Location"] == "/compare/cursor-vs-ollama/"
    page = client.get("/compare/cursor-vs-ollama/").content.decode()
    assert '<meta name="robots" content="noindex">' in page
    assert '<link rel="canonical" href="http://testserver/compare/cursor-vs-ollama/">' in page


def test_a_curated_comparison_is_indexable(client, demo):
    page = client.get("/compare/code-llama-4-vs-mistral-3-small/").content.decode()
    assert 'name="robots"' not in page


@pytest.mark.parametrize("path", ["/compare/cursor-vs-cursor/", "/compare/cursor/"])
def test_a_tool_twice_or_alone_is_a_400(client, demo, path):
    assert client.get(path).status_code == 400


def test_the_decision_table_marks_leaders_and_can_show_only_differences(client, demo):
    url = "/compare/cursor-vs-github-copilot-vs-claude-code/"
    content = client.get(url).content.decode()
    row = content[content.index('<th scope="row">Panel verdict</th>') :]
    row = row[: row.index("</tr>")]
    assert (
        row.count("is-leader") == 1 and 'Ship · 4 ship / 0 skip <span class="leader-badge">' in row
    )
    assert '<th scope="row">Category</th>' in content
    only = client.get(url, {"only": "differences"}).content.decode()
    assert '<th scope="row">Category</th>' not in only
    assert '<th scope="row">Panel verdict</th>' in only


def test_the_differences_switch_returns_only_the_table_to_htmx(client, demo):
    response = client.get(
        "/compare/cursor-vs-github-copilot-vs-claude-code/",
        {"only": "differences"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="decision",
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<section class="section" id="decision"')
    assert "<html" not in content


def test_the_page_says_where_the_panel_splits_and_disagrees_with_the_community(client, demo):
    copilot = Tool.objects.get(slug="github-copilot")
    Tool.objects.filter(pk=copilot.pk).update(community_ships=1, community_skips=9)
    page = text_of(client.get("/compare/cursor-vs-github-copilot-vs-claude-code/"))
    assert "The panel is split on Cursor:" in page
    assert "On GitHub Copilot the panel says Ship but the community leans Skip" in page


def test_draft_tools_do_not_appear_in_the_directory_or_search(client):
    draft = reviewed_tool(name="Secret Sauce", status=Status.DRAFT, published_at=None)
    assert draft.slug not in card_slugs(client.get("/tools/"))
    assert draft.slug not in card_slugs(client.get("/tools/", {"q": "secret sauce"}))


def test_home_shows_top_tools_categories_and_search(client, demo):
    page = text_of(client.get("/"))
    assert "Top by panel score" in page and "Top by community" in page
    counts = {}
    for tool in DEMO["tools"]:
        counts[tool["category"]] = counts.get(tool["category"], 0) + 1
    names = {c["slug"]: c["name"] for c in DEMO["categories"]}
    for slug, count in counts.items():
        assert f"{names[slug]} {count}" in page  # each category with its published tools
    assert "Find a tool" in page


def test_a_directory_search_sorts_by_relevance_unless_asked_otherwise(client):
    mention = reviewed_tool(name="Aardvark Notes")
    Review.objects.filter(tool=mention).update(body="Nothing like Zephyrine.")
    named = reviewed_tool(name="Zephyrine")
    # What a browser sends from the directory form: every field, the sort left at "best first".
    data = {
        "q": "zephyrine",
        "category": "",
        "pricing": "",
        "verdict": "",
        "stale": "",
        "skipped": "",
        "shipped": "",
        "sort": "",
    }
    assert card_slugs(client.get("/tools/", data)) == [named.slug, mention.slug]
    response = client.get(
        "/tools/", data | {"verdict": "ship"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tool-results"
    )
    assert response["HX-Push-Url"] == "/tools/?q=zephyrine&verdict=ship"
