import io

import pytest
from django.core.management import call_command

from comparisons.demo import load_demo_content
from comparisons.models import Category, Comparison, Review, Tool

pytestmark = pytest.mark.django_db


def test_models_and_migrations_agree():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_panel_exists_after_migrating():
    from comparisons.models import Persona

    assert list(Persona.objects.values_list("name", flat=True)) == [
        "Builder",
        "Skeptic",
        "Futurist",
        "Founder",
    ]


def test_demo_content_meets_the_catalog_brief(demo):
    tools = Tool.objects.published().with_panel()
    assert tools.count() >= 14
    assert Category.objects.filter(tools__isnull=False).distinct().count() >= 4
    assert all(tool.panel.reviews == 4 for tool in tools)
    labels = [tool.panel.label for tool in tools]
    assert labels.count("Skip") >= 1
    assert labels.count("Split") >= 2
    assert Comparison.objects.published().count() >= 6


def test_loading_the_demo_twice_changes_nothing(demo):
    def snapshot():
        return [
            list(model.objects.order_by("pk").values())
            for model in (Category, Tool, Review, Comparison)
        ]

    before = snapshot()
    summary = load_demo_content()
    assert str(summary) == "created 0 categories, 0 tools, 0 reviews, 0 comparisons"
    assert snapshot() == before


def test_load_demo_command_reports_what_it_created(db):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "created" in out.getvalue()
    assert Tool.objects.filter(slug="code-llama-4").exists()


def test_a_server_error_is_json_under_the_api_and_a_page_elsewhere(rf):
    from shipskip.views import server_error

    api = server_error(rf.get("/api/tools/"))
    assert api.status_code == 500 and api["Content-Type"] == "application/json"
    page = server_error(rf.get("/tools/"))
    assert page.status_code == 500 and b"Something went wrong on our side" in page.content
