import json
import re
import xml.etree.ElementTree as ET

import pytest

from comparisons.models import Comparison, Status, Tool
from tests.factories import comparison_of, reviewed_tool
from tests.integration.test_comparison_page import text_of

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def catalog(demo):
    draft = reviewed_tool(
        name="Hidden Draft", slug="hidden-draft", status=Status.DRAFT, published_at=None
    )
    hidden = comparison_of(
        Tool.objects.get(slug="cursor"), Tool.objects.get(slug="ollama"), status=Status.DRAFT
    )
    return draft, hidden


def test_the_rss_feed_lists_exactly_the_newest_published_verdicts_and_comparisons(client, catalog):
    root = ET.fromstring(client.get("/feeds/latest.rss").content)
    links = [item.findtext("link") for item in root.iter("item")]
    published = [*Tool.objects.published(), *Comparison.objects.published().with_tools()]
    newest = sorted(published, key=lambda item: item.published_at, reverse=True)[:30]
    assert len(links) == 30 and len(set(links)) == 30
    assert set(links) == {f"http://testserver{item.get_absolute_url()}" for item in newest}
    dates = [item.findtext("pubDate") for item in root.iter("item")]
    from email.utils import parsedate_to_datetime

    parsed = [parsedate_to_datetime(date) for date in dates]
    assert parsed == sorted(parsed, reverse=True)


def test_the_atom_feed_parses_and_excludes_drafts(client, catalog):
    root = ET.fromstring(client.get("/feeds/latest.atom").content)
    hrefs = [e.find(f"{ATOM}link").get("href") for e in root.iter(f"{ATOM}entry")]
    assert hrefs and not any("hidden-draft" in h for h in hrefs)
    assert not any("cursor-vs-ollama" in h for h in hrefs)


def test_a_category_feed_lists_that_categorys_published_tools(client, catalog):
    root = ET.fromstring(client.get("/feeds/categories/health.rss").content)
    links = {item.findtext("link") for item in root.iter("item")}
    assert links == {
        f"http://testserver{t.get_absolute_url()}"
        for t in Tool.objects.published().filter(category__slug="health")
    }
    assert client.get("/feeds/categories/nope.rss").status_code == 404


def test_the_sitemap_lists_published_tools_curated_comparisons_categories_and_personas(
    client, catalog
):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    locs = {loc.text.replace("http://testserver", "") for loc in root.iter(f"{SITEMAP}loc")}
    tools = {t.get_absolute_url() for t in Tool.objects.published()}
    comparisons = {c.get_absolute_url() for c in Comparison.objects.published().with_tools()}
    assert tools <= locs and comparisons <= locs
    assert "/tools/hidden-draft/" not in locs and "/compare/cursor-vs-ollama/" not in locs
    assert {"/categories/health/", "/panel/skeptic/", "/panel/", "/"} <= locs


def test_robots_txt_points_to_the_sitemap(client, db):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /admin/" in body


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/tools/",
        "/tools/cursor/",
        "/categories/health/",
        "/compare/code-llama-4-vs-mistral-3-small/",
        "/panel/",
        "/panel/builder/",
        "/how-votes-are-counted/",
        "/accounts/login/",
    ],
)
def test_every_page_has_title_description_canonical_opengraph_and_twitter_tags(client, demo, path):
    content = client.get(path).content.decode()
    head = content[: content.index("</head>")]
    assert re.search(r"<title>[^<]+</title>", head)
    for tag in [
        'name="description" content="',
        'rel="canonical" href="http://testserver',
        'property="og:title" content="',
        'property="og:description" content="',
        'property="og:url" content="http://testserver',
        'name="twitter:card"',
        'name="twitter:title" content="',
    ]:
        assert tag in head, tag


def ld_blocks(content: str) -> list[dict]:
    return [
        json.loads(block)
        for block in re.findall(
            r'<script type="application/ld\+json">(.*?)</script>', content, re.S
        )
    ]


def test_tool_json_ld_matches_what_the_page_shows(client, demo):
    content = client.get("/tools/code-llama-4/").content.decode()
    (data,) = ld_blocks(content)
    assert data["@type"] == "SoftwareApplication" and data["name"] == "Code Llama 4 (70B & 400B)"
    assert data["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": 80,
        "bestRating": 100,
        "worstRating": 0,
        "ratingCount": 4,
    }
    assert "Average score 80/100" in text_of(client.get("/tools/code-llama-4/"))
    assert [r["reviewRating"]["ratingValue"] for r in data["review"]] == [85, 78, 82, 74]
    assert [r["author"]["name"] for r in data["review"]] == [
        "The Builder",
        "The Skeptic",
        "The Futurist",
        "The Founder",
    ]
    assert data["offers"]["price"] == "0" and data["offers"]["priceCurrency"] == "USD"


def test_comparison_json_ld_lists_each_tool_with_its_rating(client, demo):
    content = client.get("/compare/code-llama-4-vs-mistral-3-small/").content.decode()
    (data,) = ld_blocks(content)
    assert data["@type"] == "ItemList" and data["numberOfItems"] == 2
    items = [element["item"] for element in data["itemListElement"]]
    assert [i["name"] for i in items] == ["Code Llama 4 (70B & 400B)", "Mistral 3 Small (22B)"]
    assert [i["aggregateRating"]["ratingValue"] for i in items] == [80, 79]


def test_json_ld_cannot_be_broken_out_of_by_editor_text(client):
    tool = reviewed_tool(name="</script><script>alert(1)</script>")
    content = client.get(tool.get_absolute_url()).content.decode()
    (data,) = ld_blocks(content)
    assert data["name"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in content
