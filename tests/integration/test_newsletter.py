import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from comparisons.models import Status, Tool
from newsletter import services
from newsletter.models import DigestDelivery, Subscriber
from tests.factories import comparison_of, reviewed_tool
from tests.integration.test_comparison_page import text_of

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def link_in(message, path: str) -> str:
    url = re.search(rf"https?://[^\s\"<>]+{path}[^\s\"<>]+", message.body).group(0)
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def subscribe(client, email="reader@example.com", **extra):
    return client.post("/newsletter/subscribe/", {"email": email}, **extra)


def test_the_whole_round_trip_signup_confirm_digest_unsubscribe_no_second_send(client):
    response = subscribe(client, **HTMX)
    assert response.status_code == 200
    assert "Check your inbox to confirm" in text_of(response)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["reader@example.com"]
    assert Subscriber.objects.receiving().count() == 0  # nothing is sent before confirming

    confirm = link_in(mail.outbox[0], "/newsletter/confirm/")
    assert "Confirm that reader@example.com" in text_of(client.get(confirm))
    assert Subscriber.objects.receiving().count() == 0  # a GET changes nothing
    assert "You're subscribed" in text_of(client.post(confirm))
    assert Subscriber.objects.receiving().count() == 1

    tool = reviewed_tool(name="Fresh Tool")
    comparison_of(tool, reviewed_tool(name="Other Tool"))
    mail.outbox.clear()
    call_command("send_weekly_digest", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert "Fresh Tool" in digest.body and "Fresh Tool vs Other Tool" in digest.body
    html, mime = digest.alternatives[0]
    assert mime == "text/html" and "Fresh Tool" in html
    unsubscribe = link_in(digest, "/newsletter/unsubscribe/")
    assert digest.extra_headers["List-Unsubscribe"] == f"<http://127.0.0.1:8000{unsubscribe}>"
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    call_command("send_weekly_digest", stdout=io.StringIO())
    assert len(mail.outbox) == 1, "the same week is never sent twice"

    # One-click unsubscribe: the mail client POSTs with no session or CSRF token.
    assert Client(enforce_csrf_checks=True).post(unsubscribe).status_code == 200
    assert Subscriber.objects.receiving().count() == 0


def test_the_answer_is_the_same_whether_or_not_the_address_is_subscribed(client):
    first = text_of(subscribe(client, **HTMX))
    Subscriber.objects.update(confirmed_at=timezone.now())
    again = text_of(subscribe(client, "READER@example.com", **HTMX))
    assert first == again
    assert len(mail.outbox) == 1  # nothing new for a confirmed address
    assert Subscriber.objects.count() == 1


def test_an_invalid_address_gets_a_clear_message(client):
    for email in ["", "not-an-email", "a@b", "x" * 300 + "@example.com", "<script>@x.com"]:
        response = subscribe(client, email, **HTMX)
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()
    assert not Subscriber.objects.exists() and not mail.outbox


def test_without_javascript_signup_redirects_back_with_the_same_message(client):
    response = client.post(
        "/newsletter/subscribe/", {"email": "a@example.com", "next": "/tools/"}, follow=True
    )
    assert response.redirect_chain == [("/tools/", 302)]
    assert "Check your inbox to confirm" in text_of(response)
    bad = client.post("/newsletter/subscribe/", {"email": "nope"})
    assert bad.status_code == 400 and "doesn't look like an e-mail address" in text_of(bad)


def test_signup_refuses_get_and_missing_csrf():
    assert Client().get("/newsletter/subscribe/").status_code == 405
    assert (
        Client(enforce_csrf_checks=True)
        .post("/newsletter/subscribe/", {"email": "a@example.com"})
        .status_code
        == 403
    )


def test_signups_are_rate_limited_per_address(client, settings):
    settings.SHIPSKIP_NEWSLETTER_RATE = "2/h"
    statuses = [subscribe(client, f"r{i}@example.com", **HTMX).status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    assert Subscriber.objects.count() == 2


def test_a_forged_or_expired_confirmation_link_is_refused(client):
    subscribe(client)
    subscriber = Subscriber.objects.get()
    assert client.post("/newsletter/confirm/forged-token/").status_code == 400
    token = services.token_for(subscriber.pk, services.UNSUBSCRIBE_SALT)  # wrong purpose
    assert client.post(f"/newsletter/confirm/{token}/").status_code == 400
    assert Subscriber.objects.receiving().count() == 0


def test_the_digest_holds_only_the_past_week_and_skips_unconfirmed_addresses():
    confirmed = Subscriber.objects.create(email="yes@example.com", confirmed_at=timezone.now())
    Subscriber.objects.create(email="pending@example.com")
    Subscriber.objects.create(
        email="gone@example.com", confirmed_at=timezone.now(), unsubscribed_at=timezone.now()
    )
    old = reviewed_tool(name="Old Tool")
    Tool.objects.filter(pk=old.pk).update(published_at=timezone.now() - dt.timedelta(days=9))
    reviewed_tool(name="New Tool")
    reviewed_tool(name="Draft Tool", status=Status.DRAFT, published_at=None)
    report = services.send_weekly_digest()
    assert report.sent == [confirmed.email]
    body = mail.outbox[0].body
    assert "New Tool" in body and "Old Tool" not in body and "Draft Tool" not in body


def test_an_interrupted_run_never_sends_a_claimed_week_again(monkeypatch):
    first = Subscriber.objects.create(email="a@example.com", confirmed_at=timezone.now())
    Subscriber.objects.create(email="b@example.com", confirmed_at=timezone.now())
    reviewed_tool()
    calls = []

    def crash_on_second(**kwargs):
        calls.append(kwargs["to"])
        if len(calls) == 2:
            raise ConnectionError("SMTP went away")

    monkeypatch.setattr(services, "_send", crash_on_second)
    with pytest.raises(ConnectionError):
        services.send_weekly_digest()
    monkeypatch.undo()
    report = services.send_weekly_digest()
    # a@ got it; b@ was claimed when the run died, so it is skipped rather than risk a double.
    assert report.sent == [] and report.skipped == 2
    assert DigestDelivery.objects.get(subscriber=first).sent_at is not None
    assert not mail.outbox


def test_a_week_with_nothing_new_sends_nothing():
    Subscriber.objects.create(email="a@example.com", confirmed_at=timezone.now())
    assert services.send_weekly_digest().sent == []
    assert not mail.outbox


def test_editors_see_subscribers_and_export_them_as_csv(client):
    call_command("make_editor", "ed", "--no-input")
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="ed"))
    Subscriber.objects.create(email="=cmd@example.com", confirmed_at=timezone.now())
    Subscriber.objects.create(email="pending@example.com")
    listing = text_of(client.get("/admin/newsletter/subscriber/?status=confirmed"))
    assert "=cmd@example.com" in listing and "pending@example.com" not in listing
    response = client.post(
        "/admin/newsletter/subscriber/",
        {
            "action": "export_csv",
            "_selected_action": list(Subscriber.objects.values_list("pk", flat=True)),
        },
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = response.content.decode().splitlines()
    assert rows[0] == "email,status,subscribed,confirmed,unsubscribed"
    # A spreadsheet would run a cell that starts like a formula; the export defuses it.
    assert any(row.startswith("'=cmd@example.com,confirmed,") for row in rows)
    assert any(row.startswith("pending@example.com,awaiting confirmation,") for row in rows)
