import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comparisons.models import Status
from tests.factories import comparison_of, reviewed_tool

pytestmark = pytest.mark.django_db

SEED_URL = "/compare/code-llama-4-vs-mistral-3-small/"


def text_of(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, whitespace folded."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_seed_comparison_has_the_seed_title_and_breadcrumb(client, demo):
    response = client.get(SEED_URL)
    assert response.status_code == 200
    title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)
    assert html.unescape(title.strip()) == (
        "Code Llama 4 (70B & 400B) vs Mistral 3 Small (22B): "
        "Which AI Tool Should You Ship? — Ship or Skip"
    )
    assert "Compare / Code Llama 4 (70B & 400B) vs Mistral 3 Small (22B)" in text_of(response)


def test_seed_comparison_shows_a_card_per_tool_with_the_seed_figures(client, demo):
    page = text_of(client.get(SEED_URL))
    for name in ("Code Llama 4 (70B & 400B)", "Mistral 3 Small (22B)"):
        assert name in page
    # Each card: category, panel verdict with panel ship %, community figure, entry price.
    assert page.count("Developer Tools") >= 4
    assert page.count("Ship 100% panel ship") == 2
    assert page.count("No community votes yet") >= 4  # cards and decision table
    assert page.count("Entry Free") == 2


def test_seed_comparison_decision_table_has_every_row(client, demo):
    content = client.get(SEED_URL).content.decode()
    table = text_of_fragment(content, "decision-table")
    assert "Panel verdict Ship · 4 ship / 0 skip Ship · 4 ship / 0 skip" in table
    assert "Community No community votes yet No community votes yet" in table
    for row in ("Pricing", "Best for", "Category Developer Tools Developer Tools"):
        assert row in table


def test_seed_scorecard_sets_the_four_personas_side_by_side_with_seed_scores(client, demo):
    content = client.get(SEED_URL).content.decode()
    scorecard = text_of_fragment(content, "scorecard")
    expected = {
        "Builder": ("85/100 · ship", "85/100 · ship"),
        "Skeptic": ("78/100 · ship", "78/100 · ship"),
        "Futurist": ("82/100 · ship", "82/100 · ship"),
        "Founder": ("74/100 · ship", "72/100 · ship"),
    }
    order = [scorecard.index(persona) for persona in expected]
    assert order == sorted(order), "personas appear in panel order"
    for persona, (llama, mistral) in expected.items():
        row = scorecard[scorecard.index(persona) :]
        assert row.index(llama) < row.index(mistral, row.index(llama) + 1)


def test_seed_comparison_has_the_lead_newsletter_and_bookmarks_sections(client, demo):
    page = text_of(client.get(SEED_URL))
    assert "AI tool comparison" in page
    assert "Which one" in page or "Should your team ship with" in page
    assert "Weekly AI Tool Verdicts" in page
    assert "Get the next comparison in your inbox" in page
    # The bookmarks panel loads after the page itself.
    assert "Loading bookmarks…" in page
    panel = text_of(client.get("/bookmarks/panel/"))
    assert "No bookmarks yet Bookmark tools to save them for later" in panel


def test_an_unknown_tool_in_a_comparison_is_a_404(client, demo):
    assert client.get("/compare/code-llama-4-vs-no-such-tool/").status_code == 404


def test_a_draft_tool_cannot_be_compared(client, demo):
    draft = reviewed_tool(status=Status.DRAFT, published_at=None, slug="secret-model")
    assert client.get(f"/compare/code-llama-4-vs-{draft.slug}/").status_code == 404


def test_the_same_tools_in_another_order_redirect_to_the_curated_order(client, demo):
    response = client.get("/compare/mistral-3-small-vs-code-llama-4/")
    assert response.status_code == 301
    assert response["Location"] == SEED_URL


def test_more_than_four_tools_is_a_400_with_a_message(client):
    tools = [reviewed_tool() for _ in range(5)]
    response = client.get("/compare/" + "-vs-".join(t.slug for t in tools) + "/")
    assert response.status_code == 400
    assert "two to 4 different tools" in text_of(response)


def test_an_uncurated_comparison_renders_with_noindex(client):
    first, second = reviewed_tool(slug="aaa"), reviewed_tool(slug="bbb")
    response = client.get(f"/compare/{first.slug}-vs-{second.slug}/")
    assert response.status_code == 200
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def text_of_fragment(content: str, css_class: str) -> str:
    start = content.index(f'class="{css_class}')
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content[start:])).split())


def _queries_for(client, url: str) -> int:
    """A full render (page cache off) with the shared data warm."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_comparison_page_queries_do_not_grow_with_tools_compared_or_catalog_size(client, settings):
    settings.SHIPSKIP_PAGE_CACHE = False
    tools = [reviewed_tool() for _ in range(15)]
    comparison_of(*tools[:2])

    def counts() -> list[int]:
        return [
            _queries_for(client, "/compare/" + "-vs-".join(t.slug for t in tools[:n]) + "/")
            for n in (2, 3, 4)
        ]

    small_catalog = counts()
    for _ in range(135):
        reviewed_tool()
    large_catalog = counts()
    assert len(set(small_catalog + large_catalog)) == 1, (small_catalog, large_catalog)


def test_a_comparison_leaves_the_site_when_one_of_its_tools_goes_back_to_draft(client, demo):
    from comparisons.models import Tool

    Tool.objects.filter(slug="mistral-3-small").update(status=Status.DRAFT)
    assert (
        'href="/compare/code-llama-4-vs-mistral-3-small/"' not in client.get("/").content.decode()
    )
    assert client.get(SEED_URL).status_code == 404
