"""Sessions and the logged-in user are read together, with one plain query, on every request
(accounts/sessions.py, accounts/backends.py): they must keep every promise Django's own readers
make."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.backends import AccountBackend
from accounts.models import Session
from accounts.sessions import loaded_user
from tests.factories import make_user, reviewed_tool
from tests.integration.test_comparison_page import text_of
from votes.selectors import preloaded_state_of, visitor_state
from votes.services import bookmark_add, vote_set
from votes.voters import Voter

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def logged_in(username: str = "reader") -> tuple[Client, object]:
    user = make_user(username, password=PASSWORD)
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code
        == 302
    )
    return client, user


def page(client: Client) -> str:
    """The panel page as this client sees it (never cached, so every read is live)."""
    response = client.get("/panel/")
    assert response.status_code == 200
    return text_of(response)


def test_a_login_holds_across_requests_with_one_read_for_session_and_user():
    client, user = logged_in("ines")
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert "Log out" in page(client)
    sql = [q["sql"] for q in queries]
    assert len([q for q in sql if "accounts_session" in q]) == 1
    assert [q for q in sql if "accounts_user" in q] == [q for q in sql if "accounts_session" in q]
    assert Session.objects.get().user_id == user.pk


def test_a_session_without_its_user_id_still_logs_in_and_gains_it_when_saved():
    """Sessions copied from before accounts_session had the column (migration 0005)."""
    client, user = logged_in("ivo")
    Session.objects.update(user_id=None)
    with CaptureQueriesContext(connection) as queries:
        assert "Log out" in page(client)
    alone = [q for q in queries if "accounts_user" in q["sql"] and "session" not in q["sql"]]
    assert len(alone) == 1  # the user is read on its own
    session = Session.objects.get()
    store = session.get_session_store_class()(session.session_key)
    store["seen"] = True
    store.save()
    assert Session.objects.get().user_id == user.pk


def test_a_user_read_with_one_session_never_serves_another_id_or_another_request():
    first, second = make_user("pia"), make_user("quinn")
    backend = AccountBackend()
    loaded_user.set((str(first.pk), first))
    assert backend.get_user(second.pk) == second  # another id: read from the database
    assert loaded_user.get() is None  # and the loaded user is gone
    loaded_user.set((str(first.pk), first))
    request_finished.disconnect(close_old_connections)  # as the test client does: keep the test's
    try:
        request_finished.send(sender=None)  # the end of a request that never asked for its user
    finally:
        request_finished.connect(close_old_connections)
    type(first).objects.filter(pk=first.pk).update(is_active=False)
    assert backend.get_user(first.pk) is None  # read again: no longer active


def test_an_anonymous_session_names_no_user():
    store = Session.get_session_store_class()()
    store["cart"] = "x"
    store.create()
    assert Session.objects.get(session_key=store.session_key).user_id is None
    store[SESSION_KEY] = "not-a-number"
    store.save()
    assert Session.objects.get(session_key=store.session_key).user_id is None


def test_logging_out_ends_the_session_for_every_copy_of_the_cookie():
    client, _ = logged_in("jonas")
    copy = Client()
    copy.cookies = client.cookies.__class__(client.cookies)  # the same cookie elsewhere
    assert "Log out" in page(copy)
    client.post("/accounts/logout/")
    assert "Log in" in page(copy)


def test_an_expired_session_is_a_visitor_again():
    client, _ = logged_in("kemal")
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert "Log in" in page(client)


@pytest.mark.parametrize("cookie", ["not-a-session", "x" * 40, "' OR 1=1 --"])
def test_a_forged_or_garbled_session_cookie_is_a_visitor(settings, cookie):
    make_user("lena")
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert "Log in" in page(client)


def test_a_deactivated_or_deleted_user_is_logged_out_at_once():
    client, user = logged_in("mara")
    user.is_active = False
    user.save()
    assert "Log in" in page(client)
    client, user = logged_in("nils")
    user.delete()
    assert "Log in" in page(client)


def test_changing_the_password_logs_out_the_other_sessions():
    client, user = logged_in("olga")
    other = Client()
    other.post("/accounts/login/", {"username": "olga", "password": PASSWORD})
    user.set_password("a whole new passphrase")
    user.save()
    assert "Log in" in page(other)
    assert "Log in" in page(client)


def test_session_data_tampered_in_the_database_is_not_trusted_even_after_a_good_read():
    client, _ = logged_in("rosa")
    assert "Log out" in page(client)  # the good text has been verified (and remembered)
    session = Session.objects.get()
    good = session.session_data
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    Session.objects.update(session_data=forged)
    assert "Log in" in page(client)
    Session.objects.update(session_data=good)
    assert "Log out" in page(client)


def test_each_read_of_a_session_gets_its_own_objects():
    store = Session.get_session_store_class()()
    store["basket"] = ["one"]
    store.create()
    first = Session.get_session_store_class()(store.session_key)
    first["basket"].append("changed in memory, never saved")
    second = Session.get_session_store_class()(store.session_key)
    assert second["basket"] == ["one"]


def read_session(client: Client):
    """What a request's session read brings: the store, loaded as a request loads it."""
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = Session.get_session_store_class()(key)
    store.load()
    return store


def test_the_session_read_brings_the_users_votes_and_bookmarks_as_visitor_state_reads_them():
    client, user = logged_in("rosa")
    tools = [reviewed_tool() for _ in range(3)]
    vote_set(tool=tools[2], voter=Voter(user_id=user.pk), value="skip")
    vote_set(tool=tools[0], voter=Voter(user_id=user.pk), value="ship")
    bookmark_add(user_id=user.pk, tool=tools[1])
    bookmark_add(user_id=user.pk, tool=tools[0])
    read_session(client)
    brought = preloaded_state_of(user)
    asked = visitor_state(voter=Voter(user_id=user.pk), user=user)
    assert brought == asked  # the same state, in the same order (it keys cached pages)
    assert asked.votes == ((tools[0].pk, "ship"), (tools[2].pk, "skip"))
    assert asked.bookmarks == tuple(sorted([tools[0].pk, tools[1].pk]))


def test_a_preloaded_state_is_taken_once_by_its_own_user_and_gone_with_the_request():
    client, user = logged_in("sol")
    other = make_user("tam")
    read_session(client)
    assert preloaded_state_of(user) == visitor_state(voter=Voter(user_id=user.pk), user=user)
    assert preloaded_state_of(user) is None  # taken once

    read_session(client)
    assert preloaded_state_of(other) is None  # never another user's
    assert preloaded_state_of(user) is None  # and asking for it spent it

    read_session(client)
    request_finished.disconnect(close_old_connections)  # as the test client does
    try:
        request_finished.send(sender=None)  # the end of the request
    finally:
        request_finished.connect(close_old_connections)
    assert preloaded_state_of(user) is None
