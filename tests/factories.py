import datetime as dt

import factory
from django.utils import timezone

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


def panel() -> list[Persona]:
    """The four personas, as the data migration creates them (and flushes may remove them)."""
    return [Persona.objects.get_or_create(slug=p["slug"], defaults=p)[0] for p in PANEL]


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ToolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tool

    name = factory.Sequence(lambda n: f"Tool {n}")
    slug = factory.Sequence(lambda n: f"tool-{n:05d}")
    maker = "Example Labs"
    category = factory.SubFactory(CategoryFactory)
    tagline = "A tool for tests"
    description = "Does one thing for the test suite."
    pricing = "Free"
    entry_price = "Free"
    pricing_model = "free"
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


def reviewed_tool(verdicts: str = "ship ship ship ship", scores=(80, 80, 80, 80), **kwargs) -> Tool:
    """A published tool with one review per persona, in panel order."""
    tool = ToolFactory(**kwargs)
    for persona, verdict, score in zip(panel(), verdicts.split(), scores, strict=False):
        Review.objects.create(
            tool=tool,
            persona=persona,
            score=score,
            verdict=verdict,
            body=f"{persona.name} on {tool.name}.",
            reviewed_on=dt.date(2026, 11, 1),
        )
    return tool


def comparison_of(*tools: Tool, status: str = Status.PUBLISHED, note: str = "") -> Comparison:
    comparison = Comparison.objects.create(
        status=status,
        editor_note=note,
        published_at=timezone.now() if status == Status.PUBLISHED else None,
    )
    for position, tool in enumerate(tools):
        ComparisonEntry.objects.create(comparison=comparison, tool=tool, position=position)
    return comparison


def make_user(username: str = "reader", password: str = "correct horse battery", **kwargs):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password=password, **kwargs
    )
