"""The live verdict badge and the embed snippet that offers it."""

import html
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from comparisons.models import Review, Status
from tests.factories import ToolFactory, reviewed_tool

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def badge(client, slug: str, query: str = "", status: int = 200):
    response = client.get(f"/badge/{slug}.svg{query}")
    assert response.status_code == status
    assert response["Content-Type"] == "image/svg+xml"
    return response, ET.fromstring(response.content)


def visible_texts(root: ET.Element) -> list[str]:
    """The badge's texts as drawn, without the shadow copies hidden from screen readers."""
    return [t.text for t in root.iter(f"{SVG}text") if t.get("aria-hidden") != "true"]


def fills(root: ET.Element) -> set[str]:
    return {rect.get("fill") for rect in root.iter(f"{SVG}rect")}


def test_the_badge_reads_ship_or_skip_then_the_verdict_and_average_score(client):
    tool = reviewed_tool("ship ship ship skip", scores=(82, 82, 82, 82), name="Zed")
    response, root = badge(client, tool.slug)
    assert root.tag == f"{SVG}svg"
    assert visible_texts(root) == ["Ship or Skip", "Ship · 82/100"]
    assert root.find(f"{SVG}title").text == "Ship or Skip verdict for Zed: Ship · 82/100"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Ship or Skip: Ship · 82/100"
    assert int(root.get("width")) > 100


@pytest.mark.parametrize(
    ("verdicts", "scores", "text", "colour"),
    [
        ("ship ship ship ship", (90, 80, 70, 88), "Ship · 82/100", "#146c43"),
        ("skip skip skip ship", (20, 30, 40, 50), "Skip · 35/100", "#a3281e"),
        ("ship skip ship skip", (70, 40, 65, 45), "Split · 55/100", "#9a6700"),
    ],
)
def test_the_badge_is_coloured_by_verdict(client, verdicts, scores, text, colour):
    tool = reviewed_tool(verdicts, scores=scores)
    _, root = badge(client, tool.slug)
    assert visible_texts(root)[1] == text
    assert colour in fills(root)


def test_a_tool_without_reviews_has_no_verdict_yet(client):
    tool = ToolFactory()
    _, root = badge(client, tool.slug)
    assert visible_texts(root) == ["Ship or Skip", "No verdict yet"]


def test_the_badge_follows_todays_verdict(client):
    tool = reviewed_tool("ship ship ship ship", scores=(80, 80, 80, 80))
    assert visible_texts(badge(client, tool.slug)[1])[1] == "Ship · 80/100"
    Review.objects.filter(tool=tool).update(verdict="skip", score=30)
    assert visible_texts(badge(client, tool.slug)[1])[1] == "Skip · 30/100"


def test_the_dark_variant_differs_but_says_the_same(client):
    tool = reviewed_tool(scores=(82, 82, 82, 82))
    light_response, light = badge(client, tool.slug)
    dark_response, dark = badge(client, tool.slug, "?theme=dark")
    assert dark_response.content != light_response.content
    assert fills(dark) != fills(light)
    assert visible_texts(dark) == visible_texts(light) == ["Ship or Skip", "Ship · 82/100"]
    assert badge(client, tool.slug, "?theme=light")[0].content == light_response.content


def test_the_badge_is_cached_publicly_for_an_hour(client):
    tool = reviewed_tool()
    response, _ = badge(client, tool.slug)
    assert response["Cache-Control"] == "public, max-age=3600"
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.get("Vary", "")
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_an_unknown_or_draft_tool_gets_a_404_badge(client):
    draft = reviewed_tool(status=Status.DRAFT, published_at=None)
    for slug in ("no-such-tool", draft.slug):
        response, root = badge(client, slug, status=404)
        assert visible_texts(root) == ["Ship or Skip", "unknown tool"]
        assert "public" in response["Cache-Control"]
        assert draft.name not in response.content.decode()


def test_an_unknown_theme_is_a_plain_text_400(client):
    tool = reviewed_tool()
    response = client.get(f"/badge/{tool.slug}.svg?theme=neon")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "theme=dark" in response.content.decode()


def test_a_name_full_of_markup_stays_valid_xml(client):
    tool = reviewed_tool(name="<A&B> \"quoted\" 'single'")
    response, root = badge(client, tool.slug)
    assert root.find(f"{SVG}title").text == (
        "Ship or Skip verdict for <A&B> \"quoted\" 'single': Ship · 80/100"
    )
    assert b"<A&B>" not in response.content


def test_the_badge_costs_one_query(client):
    tool = reviewed_tool()
    with CaptureQueriesContext(connection) as captured:
        badge(client, tool.slug)
    assert len(captured) == 1


def test_the_badge_accepts_only_get_and_head(client):
    tool = reviewed_tool()
    assert client.head(f"/badge/{tool.slug}.svg").status_code == 200
    assert client.post(f"/badge/{tool.slug}.svg").status_code == 405


def _textareas(content: str) -> dict[str, str]:
    found = re.findall(r'<textarea id="badge-(\w+)-[^"]*"[^>]*>(.*?)</textarea>', content, re.S)
    return {kind: html.unescape(text) for kind, text in found}


def test_the_embed_snippet_offers_markdown_and_html_with_absolute_addresses(rf):
    tool = reviewed_tool(name="Code Llama 4 (70B & 400B)", slug="code-llama-4")
    content = render_to_string(
        "api/partials/badge_snippet.html", {"tool": tool}, request=rf.get(tool.get_absolute_url())
    )
    assert "Embed this verdict" in content
    assert '<img src="http://testserver/badge/code-llama-4.svg"' in content
    snippets = _textareas(content)
    assert snippets["markdown"] == (
        "[![Ship or Skip verdict for Code Llama 4 (70B & 400B)]"
        "(http://testserver/badge/code-llama-4.svg)](http://testserver/tools/code-llama-4/)"
    )
    assert snippets["html"] == (
        '<a href="http://testserver/tools/code-llama-4/">'
        '<img src="http://testserver/badge/code-llama-4.svg" '
        'alt="Ship or Skip verdict for Code Llama 4 (70B &amp; 400B)" height="20"></a>'
    )
    assert content.count("readonly") == 2


def test_the_embed_snippet_escapes_the_tool_name(rf):
    tool = reviewed_tool(name="</textarea><script>alert(1)</script>[x]")
    content = render_to_string(
        "api/partials/badge_snippet.html", {"tool": tool}, request=rf.get("/")
    )
    assert "<script>" not in content
    assert content.count("</textarea>") == 2
    snippets = _textareas(content)
    assert "\\[x\\]" in snippets["markdown"]
    assert "&lt;/textarea&gt;&lt;script&gt;" in snippets["html"]
