"""What travels: RSS/Atom feeds, the sitemap, robots.txt and JSON-LD structured data."""

from __future__ import annotations

import json
from itertools import chain

from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from comparisons.models import Category, Comparison, Persona, Tool
from comparisons.selectors import ComparisonPage, entry_price_value

FEED_SIZE = 30


# --- Feeds -------------------------------------------------------------------------------------


class LatestFeed(Feed):
    title = "Ship or Skip — new verdicts and comparisons"
    link = "/"
    description = "Every new panel verdict and comparison, as it is published."

    def items(self) -> list:
        tools = Tool.objects.published().for_cards().order_by("-published_at")[:FEED_SIZE]
        comparisons = (
            Comparison.objects.published().with_tools().order_by("-published_at")[:FEED_SIZE]
        )
        return sorted(chain(tools, comparisons), key=lambda i: i.published_at, reverse=True)[
            :FEED_SIZE
        ]

    def item_title(self, item) -> str:
        if isinstance(item, Tool):
            score = item.panel.average_score
            return f"{item.name}: {item.panel.label}" + (f" ({score}/100)" if score else "")
        return f"{item.title}: which AI tool should you ship?"

    def item_description(self, item) -> str:
        if isinstance(item, Tool):
            return f"{item.tagline} Panel verdict: {item.panel.summary}."
        return item.editor_note or f"{item.title}, side by side."

    def item_link(self, item) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at


class LatestAtomFeed(LatestFeed):
    feed_type = Atom1Feed
    subtitle = LatestFeed.description


class CategoryFeed(Feed):
    def get_object(self, request: HttpRequest, slug: str) -> Category:
        return get_object_or_404(Category, slug=slug)

    def title(self, category: Category) -> str:
        return f"Ship or Skip — {category.name} verdicts"

    def link(self, category: Category) -> str:
        return reverse("comparisons:category", args=[category.slug])

    def description(self, category: Category) -> str:
        return f"New panel verdicts on {category.name} tools."

    def items(self, category: Category) -> list[Tool]:
        return list(
            Tool.objects.published()
            .for_cards()
            .filter(category=category)
            .order_by("-published_at")[:FEED_SIZE]
        )

    item_title = LatestFeed.item_title
    item_description = LatestFeed.item_description
    item_link = LatestFeed.item_link
    item_pubdate = LatestFeed.item_pubdate
    item_updateddate = LatestFeed.item_updateddate


class CategoryAtomFeed(CategoryFeed):
    feed_type = Atom1Feed

    def subtitle(self, category: Category) -> str:
        return self.description(category)


# --- Sitemap and robots.txt ----------------------------------------------------------------------


class ToolSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Tool.objects.published().order_by("pk")

    def lastmod(self, tool: Tool):
        return tool.updated_at


class ComparisonSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Comparison.objects.published().with_tools().order_by("pk")

    def lastmod(self, comparison: Comparison):
        return comparison.updated_at


class CategorySitemap(Sitemap):
    def items(self):
        return Category.objects.filter(tools__status="published").distinct().order_by("pk")

    def location(self, category: Category) -> str:
        return reverse("comparisons:category", args=[category.slug])


class PersonaSitemap(Sitemap):
    def items(self):
        return Persona.objects.all()

    def location(self, persona: Persona) -> str:
        return reverse("comparisons:persona", args=[persona.slug])


class PageSitemap(Sitemap):
    def items(self) -> list[str]:
        return [
            "comparisons:home",
            "comparisons:tools",
            "comparisons:panel",
            "votes:how-votes-are-counted",
        ]

    def location(self, name: str) -> str:
        return reverse(name)


SITEMAPS = {
    "pages": PageSitemap,
    "tools": ToolSitemap,
    "comparisons": ComparisonSitemap,
    "categories": CategorySitemap,
    "panel": PersonaSitemap,
}


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /bookmarks/",
        "Disallow: /votes/",
        "Disallow: /newsletter/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# --- JSON-LD -------------------------------------------------------------------------------------


def json_ld(data: dict) -> SafeString:
    """A <script type="application/ld+json"> block; escaped so no text can close the tag."""
    text = json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308


def _offer(tool: Tool) -> dict | None:
    price = entry_price_value(tool.entry_price)
    if price is None:
        return None
    offer = {
        "@type": "Offer",
        "price": f"{price:g}",
        "priceCurrency": "USD",
        "description": tool.pricing,
    }
    if tool.pricing_source_url:
        offer["url"] = tool.pricing_source_url
    return offer


def software_application(tool: Tool, request: HttpRequest, *, reviews: bool = True) -> dict:
    panel = tool.panel
    data = {
        "@type": "SoftwareApplication",
        "name": tool.name,
        "url": request.build_absolute_uri(tool.get_absolute_url()),
        "applicationCategory": tool.category.name,
        "description": tool.tagline,
        "author": {"@type": "Organization", "name": tool.maker},
    }
    if panel.reviews:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": panel.average_score,
            "bestRating": 100,
            "worstRating": 0,
            "ratingCount": panel.reviews,
        }
    offer = _offer(tool)
    if offer:
        data["offers"] = offer
    if reviews:
        data["review"] = [
            {
                "@type": "Review",
                "author": {"@type": "Person", "name": f"The {review.persona.name}"},
                "datePublished": review.reviewed_on.isoformat(),
                "reviewBody": review.body,
                "name": f"{review.persona.name}: {review.verdict}",
                "reviewRating": {
                    "@type": "Rating",
                    "ratingValue": review.score,
                    "bestRating": 100,
                    "worstRating": 0,
                },
            }
            for review in tool.reviews.all()
        ]
    return data


def tool_json_ld(tool: Tool, request: HttpRequest) -> SafeString:
    return json_ld({"@context": "https://schema.org", **software_application(tool, request)})


def comparison_json_ld(page: ComparisonPage, request: HttpRequest) -> SafeString:
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": "ItemList",
            "name": f"{page.title}: Which AI Tool Should You Ship?",
            "url": request.build_absolute_uri(request.path),
            "numberOfItems": len(page.tools),
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": position,
                    "item": software_application(tool, request),
                }
                for position, tool in enumerate(page.tools, start=1)
            ],
        }
    )
