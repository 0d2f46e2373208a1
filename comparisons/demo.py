"""Demo content: the seed comparison plus a catalog of real tools, reviewed in our own words.

Loading creates what is missing and leaves existing rows alone, so running it twice changes
nothing and never overwrites an editor's edits.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from comparisons.models import (
    Category,
    Comparison,
    ComparisonEntry,
    Persona,
    Review,
    Status,
    Tool,
)
from comparisons.panel import PANEL

CONTENT_PATH = Path(__file__).with_name("demo_content.json")


@dataclass
class LoadSummary:
    categories: int = 0
    tools: int = 0
    reviews: int = 0
    comparisons: int = 0

    def __str__(self) -> str:
        return (
            f"created {self.categories} categories, {self.tools} tools, "
            f"{self.reviews} reviews, {self.comparisons} comparisons"
        )


def _noon(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), tzinfo=dt.UTC)


@transaction.atomic
def load_demo_content(path: Path = CONTENT_PATH) -> LoadSummary:
    content = json.loads(path.read_text(encoding="utf-8"))
    summary = LoadSummary()

    personas = {}
    for spec in PANEL:
        personas[spec["slug"]], _ = Persona.objects.get_or_create(slug=spec["slug"], defaults=spec)

    categories = {}
    for spec in content["categories"]:
        categories[spec["slug"]], created = Category.objects.get_or_create(
            slug=spec["slug"], defaults={"name": spec["name"], "description": spec["description"]}
        )
        summary.categories += created

    tools = {}
    for spec in content["tools"]:
        tool, created = Tool.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "maker": spec["maker"],
                "category": categories[spec["category"]],
                "tagline": spec["tagline"],
                "description": spec["description"],
                "pricing": spec["pricing"],
                "entry_price": spec["entry_price"],
                "pricing_model": spec["pricing_model"],
                "website": spec["website"],
                "pricing_source_url": spec["pricing_source_url"],
                "pricing_verified_on": spec["pricing_verified_on"],
                "pricing_changed_on": spec.get("pricing_changed_on"),
                "status": Status.PUBLISHED,
                "published_at": _noon(spec["published_on"]),
            },
        )
        tools[spec["slug"]] = tool
        summary.tools += created
        for persona_slug, review in spec["reviews"].items():
            _, created = Review.objects.get_or_create(
                tool=tool,
                persona=personas[persona_slug],
                defaults={
                    "score": review["score"],
                    "verdict": review["verdict"],
                    "body": review["body"],
                    "reviewed_on": spec["reviewed_on"],
                },
            )
            summary.reviews += created

    for spec in content["comparisons"]:
        members = [tools[slug] for slug in spec["tools"]]
        if Comparison.objects.of_exactly([t.pk for t in members]).exists():
            continue
        comparison = Comparison.objects.create(
            editor_note=spec["editor_note"],
            status=Status.PUBLISHED,
            published_at=_noon(spec["published_on"]),
        )
        ComparisonEntry.objects.bulk_create(
            ComparisonEntry(
                comparison=comparison,
                tool=tool,
                position=position,
                pick_if=spec["pick_if"].get(tool.slug, ""),
            )
            for position, tool in enumerate(members)
        )
        summary.comparisons += 1
    return summary
