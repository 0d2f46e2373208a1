import pytest

from comparisons.models import Status, Tool
from tests.factories import reviewed_tool
from tests.integration.test_comparison_page import text_of

pytestmark = pytest.mark.django_db


def test_tool_page_shows_card_description_pricing_reviews_and_panel(client, demo):
    page = text_of(client.get("/tools/code-llama-4/"))
    assert "Code Llama 4 (70B & 400B)" in page
    assert "Meta" in page
    for figure in ("Verdict Ship", "Ship 4", "Skip 0", "Panel ship 100%", "Average score 80/100"):
        assert figure in page
    assert "Community No community votes yet" in page
    for persona_score in (
        "Builder 85/100 · ship",
        "Skeptic 78/100 · ship",
        "Futurist 82/100 · ship",
        "Founder 74/100 · ship",
    ):
        assert persona_score in page


def test_a_split_panel_is_labelled_split_on_the_tool_page(client):
    tool = reviewed_tool("ship skip ship skip", scores=(70, 40, 65, 45))
    page = text_of(client.get(f"/tools/{tool.slug}/"))
    assert "Verdict Split" in page
    assert "Panel ship 50%" in page


def test_an_unknown_tool_is_a_404(client, db):
    assert client.get("/tools/no-such-tool/").status_code == 404


def test_a_draft_tool_is_a_404(client):
    tool = reviewed_tool(status=Status.DRAFT, published_at=None)
    assert client.get(f"/tools/{tool.slug}/").status_code == 404


def test_editor_text_is_escaped(client):
    tool = reviewed_tool(tagline="<script>alert(1)</script>")
    content = client.get(f"/tools/{tool.slug}/").content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_home_page_links_the_latest_comparisons_and_tools(client, demo):
    content = client.get("/").content.decode()
    assert 'href="/compare/code-llama-4-vs-mistral-3-small/"' in content
    newest = Tool.objects.published().latest("published_at")
    assert f'href="/tools/{newest.slug}/"' in content
