import uuid

import pytest
from django.core import mail
from django.test import Client, override_settings

from tests.factories import make_user, reviewed_tool
from tests.integration.test_comparison_page import text_of
from votes.models import Vote
from votes.voters import COOKIE_NAME

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def test_signing_up_logs_in_and_keeps_the_anonymous_vote(client):
    tool = reviewed_tool()
    client.post(f"/votes/{tool.slug}/", {"value": "ship"})
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newreader",
            "email": "new@example.com",
            "password1": "a long unusual passphrase",
            "password2": "a long unusual passphrase",
            "next": tool.get_absolute_url(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == tool.get_absolute_url()
    vote = Vote.objects.get()
    assert vote.user.username == "newreader" and vote.anonymous_id is None
    tool.refresh_from_db()
    assert tool.community_ships == 1


def test_signup_errors_are_shown_on_the_form(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "x", "email": "not-an-email", "password1": "a", "password2": "b"},
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in text_of(response)


def test_logging_in_moves_anonymous_votes_to_the_account(client):
    tool, user = reviewed_tool(), make_user()
    client.post(f"/votes/{tool.slug}/", {"value": "skip"})
    anonymous_id = Vote.objects.get().anonymous_id
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert list(Vote.objects.values_list("user", "anonymous_id", "value")) == [
        (user.pk, None, "skip")
    ]
    assert not Vote.objects.filter(anonymous_id=anonymous_id).exists()


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client):
    make_user()
    wrong = client.post("/accounts/login/", {"username": "reader", "password": "nope"})
    unknown = client.post("/accounts/login/", {"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 200
    message = "Please enter a correct username and password."
    assert message in text_of(wrong) and message in text_of(unknown)


@override_settings(SHIPSKIP_LOGIN_FAILURES="3/15m")
def test_login_pauses_after_repeated_failures_then_lets_the_owner_back_in(client, monkeypatch):
    from throttle import limits

    make_user()
    monkeypatch.setattr(limits.time, "time", lambda: 900_000.0)
    for _ in range(3):
        client.post("/accounts/login/", {"username": "reader", "password": "guess"})
    paused = client.post("/accounts/login/", {"username": "reader", "password": PASSWORD})
    assert paused.status_code == 429
    assert "Too many failed attempts" in text_of(paused)
    assert "_auth_user_id" not in client.session
    # Unknown usernames pause the same way: the pause reveals nothing about who exists.
    for _ in range(3):
        client.post("/accounts/login/", {"username": "ghost", "password": "guess"})
    assert (
        client.post("/accounts/login/", {"username": "ghost", "password": "x"}).status_code == 429
    )
    # Fifteen minutes later the real owner gets in.
    monkeypatch.setattr(limits.time, "time", lambda: 900_000.0 + 900)
    response = client.post("/accounts/login/", {"username": "reader", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_logout_is_a_post_only(client):
    client.force_login(make_user())
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client):
    make_user()
    known = client.post("/accounts/password/reset/", {"email": "reader@example.com"}, follow=True)
    unknown = client.post("/accounts/password/reset/", {"email": "who@example.com"}, follow=True)
    assert text_of(known) == text_of(unknown)
    assert "Check your inbox" in text_of(known)
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_the_reset_link_sets_a_new_password(client):
    user = make_user()
    client.post("/accounts/password/reset/", {"email": "reader@example.com"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert "Choose a new password" in text_of(form)
    response = client.post(
        form.redirect_chain[-1][0],
        {
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another long passphrase")


def test_password_change_needs_the_old_password(client):
    user = make_user()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": "wrong",
            "new_password1": "fresh long passphrase",
            "new_password2": "fresh long passphrase",
        },
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in text_of(response)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "fresh long passphrase",
            "new_password2": "fresh long passphrase",
        },
    )
    assert response.status_code == 302


def test_a_login_page_post_without_csrf_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "a", "password": "b"}).status_code == 403


def test_logging_in_without_anonymous_votes_changes_nothing(client):
    make_user()
    client.cookies[COOKIE_NAME] = str(uuid.uuid4())  # unsigned: ignored
    response = client.post("/accounts/login/", {"username": "reader", "password": PASSWORD})
    assert response.status_code == 302
    assert not Vote.objects.exists()
