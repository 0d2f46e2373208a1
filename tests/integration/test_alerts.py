import pytest
from django.core import mail
from django.test import Client

from comparisons.models import Status
from newsletter.models import VerdictChange
from tests.factories import make_user, reviewed_tool
from tests.integration.test_editors import editor, tool_form  # noqa: F401 (fixture)
from votes.services import bookmark_add

pytestmark = pytest.mark.django_db(transaction=True)


def flip_builder_to_skip(client, tool, score=30):
    reviews = list(tool.reviews.order_by("persona__order"))
    data = tool_form(
        tool.category,
        status=tool.status,
        initial_reviews=4,
        reviews=[
            (r.persona_id, score if i == 0 else r.score, "skip" if i == 0 else r.verdict)
            for i, r in enumerate(reviews)
        ],
        extra={"name": tool.name, "slug": tool.slug},
    )
    for index, review in enumerate(reviews):
        data |= {
            f"reviews-{index}-id": review.pk,
            f"reviews-{index}-tool": tool.pk,
            f"reviews-{index}-reviewed_on": "2026-11-01",
            f"initial-reviews-{index}-reviewed_on": "2026-11-01",
            f"reviews-{index}-body": review.body,
        }
    response = client.post(f"/admin/comparisons/tool/{tool.pk}/change/", data)
    assert response.status_code == 302


def test_bookmarkers_hear_once_when_a_verdict_changes(client, editor):  # noqa: F811
    tool = reviewed_tool("ship ship skip skip", scores=(80, 70, 40, 30))  # Split
    fan, quiet, other = make_user("fan"), make_user("quiet"), make_user("other")
    quiet.verdict_alerts = False
    quiet.save()
    bookmark_add(user_id=fan.pk, tool=tool)
    bookmark_add(user_id=quiet.pk, tool=tool)
    mail.outbox.clear()

    flip_builder_to_skip(client, tool)  # 1 ship / 3 skip: Split → Skip
    assert [m.to for m in mail.outbox] == [["fan@example.com"]]
    alert = mail.outbox[0]
    assert "was: Split" in alert.body and "now: Skip" in alert.body
    assert alert.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert other.email not in str([m.to for m in mail.outbox])

    mail.outbox.clear()
    flip_builder_to_skip(client, tool, score=25)  # still Skip: no change, no e-mail
    assert not mail.outbox
    assert VerdictChange.objects.count() == 1


def test_no_alert_for_a_draft_tool(client, editor):  # noqa: F811
    tool = reviewed_tool(
        "ship ship skip skip", scores=(80, 70, 40, 30), status=Status.DRAFT, published_at=None
    )
    bookmark_add(user_id=make_user("fan").pk, tool=tool)
    flip_builder_to_skip(client, tool)
    assert not mail.outbox and not VerdictChange.objects.exists()


def test_a_user_can_switch_alerts_off_in_settings_and_by_one_click(client):
    user = make_user()
    client.force_login(user)
    assert "E-mail me when a bookmarked tool" in client.get("/accounts/alerts/").content.decode()
    client.post("/accounts/alerts/", {})
    user.refresh_from_db()
    assert user.verdict_alerts is False
    client.post("/accounts/alerts/", {"verdict_alerts": "on"})
    user.refresh_from_db()
    assert user.verdict_alerts is True

    from newsletter.services import ALERTS_OFF_SALT, token_for

    token = token_for(user.pk, ALERTS_OFF_SALT)
    assert (
        Client(enforce_csrf_checks=True).post(f"/newsletter/alerts-off/{token}/").status_code == 200
    )
    user.refresh_from_db()
    assert user.verdict_alerts is False
