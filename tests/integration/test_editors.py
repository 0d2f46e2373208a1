"""The editors' desk, driven through the admin as a real editor account (staff, in the
Editors group, not a superuser)."""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from comparisons.models import Comparison, Review, ReviewRevision, Status, Tool
from tests.factories import CategoryFactory, comparison_of, make_user, panel, reviewed_tool
from tests.integration.test_comparison_page import text_of
from votes.models import Vote
from votes.services import vote_set
from votes.voters import Voter

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    call_command("make_editor", "eddie", "--email", "eddie@example.com", "--no-input")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="eddie")
    client.force_login(user)
    return user


def tool_form(category, *, status="draft", reviews=None, extra=None, initial_reviews=0) -> dict:
    """POST data for the tool admin form with its inline reviews."""
    reviews = reviews if reviews is not None else [(persona.pk, 80, "ship") for persona in panel()]
    data = {
        "name": "Windsurf Editor",
        "slug": "windsurf-editor",
        "maker": "Windsurf",
        "category": category.pk,
        "tagline": "An agentic IDE",
        "description": "An editor.",
        "website": "https://windsurf.com/",
        "pricing": "Free tier; Pro $15/mo",
        "entry_price": "Free",
        "pricing_model": "freemium",
        "pricing_source_url": "",
        "pricing_verified_on": "2026-11-20",
        "pricing_changed_on": "",
        "status": status,
        "reviews-TOTAL_FORMS": str(len(reviews)),
        "reviews-INITIAL_FORMS": str(initial_reviews),
        "reviews-MIN_NUM_FORMS": "0",
        "reviews-MAX_NUM_FORMS": "4",
    }
    for index, (persona_id, score, verdict) in enumerate(reviews):
        data |= {
            f"reviews-{index}-persona": persona_id,
            f"reviews-{index}-score": score,
            f"reviews-{index}-verdict": verdict,
            f"reviews-{index}-body": f"Review {index}.",
            f"reviews-{index}-reviewed_on": "2026-11-20",
        }
    return data | (extra or {})


def errors_of(response) -> str:
    return text_of(response)


def test_an_editor_creates_a_tool_with_four_reviews_publishes_it_and_finds_it(client, editor):
    category = CategoryFactory(name="Developer Tools", slug="developer-tools")
    response = client.post("/admin/comparisons/tool/add/", tool_form(category, status="published"))
    assert response.status_code == 302, errors_of(response)
    tool = Tool.objects.get(slug="windsurf-editor")
    assert tool.status == Status.PUBLISHED and tool.published_at is not None
    assert tool.reviews.count() == 4
    page = text_of(client.get("/tools/windsurf-editor/"))
    assert "Windsurf Editor" in page and "Ship 4" in page and "Draft" not in page
    client.logout()
    assert client.get("/tools/windsurf-editor/").status_code == 200


def test_publishing_with_three_reviews_is_refused_in_words(client, editor):
    category = CategoryFactory()
    three = [(persona.pk, 70, "ship") for persona in panel()[:3]]
    response = client.post(
        "/admin/comparisons/tool/add/", tool_form(category, status="published", reviews=three)
    )
    assert response.status_code == 200
    assert (
        "A tool can be published only when every persona has reviewed it. Missing: Founder."
        in errors_of(response)
    )
    assert not Tool.objects.exists()
    # The same tool saves fine as a draft, and a draft is a 404 for visitors.
    response = client.post("/admin/comparisons/tool/add/", tool_form(category, reviews=three))
    assert response.status_code == 302
    client.logout()
    assert client.get("/tools/windsurf-editor/").status_code == 404


def test_staff_see_a_draft_preview_with_a_banner(client, editor):
    tool = reviewed_tool(status=Status.DRAFT, published_at=None)
    page = text_of(client.get(tool.get_absolute_url()))
    assert "Draft — a preview only staff can see" in page


def test_a_second_review_by_the_same_persona_is_refused(client, editor):
    builder = panel()[0]
    reviews = [(builder.pk, 80, "ship"), (builder.pk, 40, "skip")]
    response = client.post(
        "/admin/comparisons/tool/add/", tool_form(CategoryFactory(), reviews=reviews)
    )
    assert response.status_code == 200
    assert "The Builder has two reviews here" in errors_of(response)
    assert not Review.objects.exists()


@pytest.mark.parametrize("score", [101, -1, "eighty"])
def test_a_score_outside_0_to_100_is_refused_with_a_form_error(client, editor, score):
    reviews = [(persona.pk, 80, "ship") for persona in panel()]
    reviews[1] = (reviews[1][0], score, "ship")
    response = client.post(
        "/admin/comparisons/tool/add/", tool_form(CategoryFactory(), reviews=reviews)
    )
    assert response.status_code == 200
    page = errors_of(response)
    assert any(
        message in page
        for message in (
            "A score is a whole number from 0 to 100.",
            "Enter a whole number.",
            "Ensure this value is greater than or equal to 0.",
        )
    )
    assert not Tool.objects.exists()


def comparison_form(tools, *, status="draft") -> dict:
    data = {
        "editor_note": "How to choose.",
        "status": status,
        "entries-TOTAL_FORMS": str(len(tools)),
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "4",
    }
    for index, tool in enumerate(tools):
        data |= {
            f"entries-{index}-tool": tool.pk,
            f"entries-{index}-position": index,
            f"entries-{index}-pick_if": f"Pick {tool.name} if you like it.",
        }
    return data


def test_a_comparison_needs_two_different_tools(client, editor):
    first = reviewed_tool()
    once = client.post("/admin/comparisons/comparison/add/", comparison_form([first]))
    assert "A comparison needs at least two tools." in errors_of(once)
    twice = client.post("/admin/comparisons/comparison/add/", comparison_form([first, first]))
    assert f"{first.name} is listed twice" in errors_of(twice)
    assert not Comparison.objects.exists()


def test_a_comparison_with_a_draft_tool_cannot_be_published(client, editor):
    published = reviewed_tool()
    draft = reviewed_tool(status=Status.DRAFT, published_at=None)
    response = client.post(
        "/admin/comparisons/comparison/add/",
        comparison_form([published, draft], status="published"),
    )
    assert "Still drafts: " + draft.name in errors_of(response)
    assert not Comparison.objects.exists()


def test_an_editor_publishes_a_curated_comparison_with_picks(client, editor):
    first, second = reviewed_tool(), reviewed_tool()
    response = client.post(
        "/admin/comparisons/comparison/add/", comparison_form([second, first], status="published")
    )
    assert response.status_code == 302, errors_of(response)
    comparison = Comparison.objects.get()
    assert comparison.ordered_tools == [second, first]
    page = text_of(client.get(comparison.get_absolute_url()))
    assert f"Pick {second.name} if you like it." in page
    assert "How to choose." in page


def test_changing_a_review_keeps_the_old_verdict_and_the_tool_page_shows_it(client, editor):
    tool = reviewed_tool(scores=(85, 78, 82, 74), category=CategoryFactory())
    reviews = list(tool.reviews.order_by("persona__order"))
    data = tool_form(
        tool.category,
        status="published",
        initial_reviews=4,
        reviews=[
            (r.persona_id, 40 if i == 0 else r.score, "skip" if i == 0 else r.verdict)
            for i, r in enumerate(reviews)
        ],
        extra={"name": tool.name, "slug": tool.slug},
    )
    for index, review in enumerate(reviews):
        data[f"reviews-{index}-id"] = review.pk
        data[f"reviews-{index}-tool"] = tool.pk
        data[f"reviews-{index}-reviewed_on"] = "2026-11-01"
        # The admin renders a hidden initial value for fields with a callable default.
        data[f"initial-reviews-{index}-reviewed_on"] = "2026-11-01"
        data[f"reviews-{index}-body"] = review.body
    response = client.post(f"/admin/comparisons/tool/{tool.pk}/change/", data)
    assert response.status_code == 302, errors_of(response)
    revision = ReviewRevision.objects.get()
    assert (revision.score, revision.verdict, revision.reviewed_on) == (
        85,
        "ship",
        dt.date(2026, 11, 1),
    )
    builder = Review.objects.get(pk=reviews[0].pk)
    assert (builder.score, builder.verdict, builder.reviewed_on) == (
        40,
        "skip",
        timezone.localdate(),
    )
    page = text_of(client.get(tool.get_absolute_url()))
    assert "Verdict history" in page
    assert "Builder : was 85/100 · ship (given 1 Nov 2026 ), changed on" in page


def test_a_verdict_goes_stale_when_pricing_changes_after_the_reviews(client, editor):
    tool = reviewed_tool(category=CategoryFactory())  # reviewed on 1 Nov 2026
    assert "Verdict may be out of date" not in text_of(client.get(tool.get_absolute_url()))
    Tool.objects.filter(pk=tool.pk).update(pricing_changed_on=dt.date(2026, 11, 20))
    page = text_of(client.get(tool.get_absolute_url()))
    assert "Verdict may be out of date — pricing changed on 20 Nov 2026" in page
    listing = text_of(client.get("/admin/comparisons/tool/?freshness=stale"))
    assert tool.name in listing


def test_editing_the_price_in_the_admin_dates_the_pricing_change(client, editor):
    tool = reviewed_tool(category=CategoryFactory())
    reviews = list(tool.reviews.order_by("persona__order"))
    data = tool_form(
        tool.category,
        status="published",
        initial_reviews=4,
        reviews=[(r.persona_id, r.score, r.verdict) for r in reviews],
        extra={
            "name": tool.name,
            "slug": tool.slug,
            "pricing": "Now $30/mo",
            "entry_price": "$30/mo",
            "pricing_model": "paid",
            "pricing_verified_on": "2026-11-01",
        },
    )
    tool.pricing_model = "paid"
    for index, review in enumerate(reviews):
        data |= {
            f"reviews-{index}-id": review.pk,
            f"reviews-{index}-tool": tool.pk,
            f"reviews-{index}-reviewed_on": "2026-11-01",
            f"reviews-{index}-body": review.body,
        }
    assert client.post(f"/admin/comparisons/tool/{tool.pk}/change/", data).status_code == 302
    tool.refresh_from_db()
    assert tool.pricing_changed_on == timezone.localdate()


def test_old_reviews_make_a_verdict_stale(client, settings):
    settings.SHIPSKIP_STALE_AFTER_DAYS = 10
    tool = reviewed_tool()
    Review.objects.filter(tool=tool).update(reviewed_on=timezone.localdate() - dt.timedelta(11))
    assert "Verdict may be out of date — reviewed on" in text_of(
        client.get(tool.get_absolute_url())
    )


def test_the_tool_list_shows_verdict_score_community_and_freshness(client, editor):
    tool = reviewed_tool("ship skip ship skip", scores=(80, 40, 70, 30))
    listing = text_of(client.get("/admin/comparisons/tool/"))
    assert f"{tool.name}" in listing and "Split · 2 ship / 2 skip" in listing
    assert "55/100" in listing and "No community votes yet" in listing and "Fresh" in listing
    split = text_of(client.get("/admin/comparisons/tool/?verdict=split"))
    ship = text_of(client.get("/admin/comparisons/tool/?verdict=ship"))
    assert tool.name in split and tool.name not in ship


def test_bulk_publish_publishes_complete_tools_refuses_others_and_logs_it(client, editor):
    complete = reviewed_tool(status=Status.DRAFT, published_at=None)
    partial = reviewed_tool("ship ship", scores=(80, 80), status=Status.DRAFT, published_at=None)
    response = client.post(
        "/admin/comparisons/tool/",
        {"action": "publish", "_selected_action": [complete.pk, partial.pk]},
        follow=True,
    )
    page = text_of(response)
    assert "Published 1." in page
    assert f"{partial.name} was not published." in page and "Missing: Futurist, Founder." in page
    complete.refresh_from_db()
    partial.refresh_from_db()
    assert complete.status == Status.PUBLISHED and partial.status == Status.DRAFT
    assert LogEntry.objects.filter(
        object_id=str(complete.pk), change_message="Published from the list."
    ).exists()


def test_bulk_unpublish_hides_comparisons_and_logs_it(client, editor):
    comparison = comparison_of(reviewed_tool(), reviewed_tool())
    client.post(
        "/admin/comparisons/comparison/",
        {"action": "unpublish", "_selected_action": [comparison.pk]},
    )
    comparison.refresh_from_db()
    assert comparison.status == Status.DRAFT
    assert LogEntry.objects.filter(object_id=str(comparison.pk)).exists()


def test_moderators_remove_every_vote_of_selected_voters_and_counts_follow(client, editor):
    first, second = reviewed_tool(), reviewed_tool()
    spammer, honest = Voter(anonymous_id=__import__("uuid").uuid4()), Voter(user_id=editor.pk)
    for tool in (first, second):
        vote_set(tool=tool, voter=spammer, value="skip")
    vote_set(tool=first, voter=honest, value="ship")
    one_spam_vote = Vote.objects.filter(anonymous_id=spammer.anonymous_id).first()

    listing = text_of(client.get("/admin/votes/vote/?voter=visitor"))
    assert listing.count("visitor ") >= 2
    response = client.post(
        "/admin/votes/vote/",
        {"action": "remove_votes_of_selected_voters", "_selected_action": [one_spam_vote.pk]},
        follow=True,
    )
    assert "Removed 2 vote(s) across 2 tool(s)." in text_of(response)
    assert list(Vote.objects.values_list("value", flat=True)) == ["ship"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.community_ships, first.community_skips) == (1, 0)
    assert (second.community_ships, second.community_skips) == (0, 0)
    assert LogEntry.objects.filter(change_message__startswith="Moderation: removed").count() == 2


def test_the_vote_list_is_read_only(client, editor):
    vote_set(tool=reviewed_tool(), voter=Voter(user_id=editor.pk), value="ship")
    vote = Vote.objects.get()
    assert client.get("/admin/votes/vote/add/").status_code == 403
    page = client.get(f"/admin/votes/vote/{vote.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_an_editor_cannot_open_the_user_or_group_admin(client, editor):
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


def test_a_non_staff_user_cannot_open_the_admin(client):
    client.force_login(make_user())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_make_editor_promotes_an_existing_user(db):
    user = make_user("existing")
    call_command("make_editor", "existing", "--no-input")
    user.refresh_from_db()
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name="Editors").exists()
    assert user.check_password("correct horse battery")
