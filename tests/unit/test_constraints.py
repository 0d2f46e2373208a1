import pytest
from django.db import IntegrityError, transaction

from comparisons.models import ComparisonEntry, Review, Tool
from tests.factories import ToolFactory, comparison_of, panel, reviewed_tool

pytestmark = pytest.mark.django_db


def test_the_database_rejects_a_second_review_by_the_same_persona():
    tool = reviewed_tool()
    builder = panel()[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(tool=tool, persona=builder, score=50, verdict="skip", body="Again.")
    assert tool.reviews.filter(persona=builder).count() == 1


@pytest.mark.parametrize("score", [-1, 101])
def test_the_database_rejects_a_score_outside_0_to_100(score):
    tool = ToolFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(tool=tool, persona=panel()[0], score=score, verdict="ship", body="x")


def test_the_database_rejects_a_verdict_other_than_ship_or_skip():
    tool = ToolFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(tool=tool, persona=panel()[0], score=50, verdict="meh", body="x")


def test_a_comparison_never_lists_a_tool_twice():
    first, second = ToolFactory(), ToolFactory()
    comparison = comparison_of(first, second)
    with pytest.raises(IntegrityError), transaction.atomic():
        ComparisonEntry.objects.create(comparison=comparison, tool=first, position=5)
    assert comparison.entries.count() == 2


def test_a_tool_slug_cannot_contain_the_comparison_separator():
    with pytest.raises(IntegrityError), transaction.atomic():
        ToolFactory(slug="this-vs-that")


def test_a_published_tool_needs_a_publication_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        ToolFactory(status="published", published_at=None)


def test_with_panel_annotates_the_same_figures_as_the_reviews():
    tool = reviewed_tool("ship skip skip ship", scores=(90, 40, 30, 70))
    annotated = Tool.objects.with_panel().get(pk=tool.pk)
    assert annotated.panel.label == "Split"
    assert annotated.panel.average_score == 58
    # Without the annotation the same figures come from the reviews.
    assert Tool.objects.get(pk=tool.pk).panel == annotated.panel
