"""The read replica: which requests read it, and which read the primary.

A second alias, ``replica``, points at the same test database (as settings.py's TEST MIRROR
does), with the router and its middleware installed as DATABASE_REPLICA_URL installs them; the
queries each alias ran tell where a request read. The data is committed (transaction=True) so
that the replica's own connection sees it. scripts/cluster_test.py proves the same against a
real streaming standby."""

import contextlib
import copy
import re

import pytest
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from comparisons.models import Tool
from shipskip import routers
from tests.factories import comparison_of, reviewed_tool
from throttle.models import Counter
from votes.models import Vote

pytestmark = pytest.mark.django_db(transaction=True)

REPLICA_MIDDLEWARE = "shipskip.middleware.ReplicaReadsMiddleware"
# What a replica-eligible request may still ask the primary: where its WAL stands (the replica
# check) and the rate-limit counters (raw SQL, always the primary).
PRIMARY_BOOKKEEPING = ("pg_current_wal_insert_lsn", "throttle_counter")


@pytest.fixture
def replica(settings, monkeypatch):
    """A ``replica`` connection to the test database, the router and the middleware.

    The connection is made here rather than declared in DATABASES: Django's test case lets a
    connection it was not told about at set-up be used (a declared one would need the alias at
    the start of the session; one from DATABASE_REPLICA_URL is set aside meanwhile). The router
    reads the primary when the replica is the primary's own database, as it is here: the tests
    pretend it is a separate server."""
    declared = connections.settings.pop("replica", None)
    with contextlib.suppress(AttributeError):
        del connections["replica"]
    alias = copy.deepcopy(connections["default"].settings_dict)
    alias["TEST"] = {**alias.get("TEST", {}), "MIRROR": "default"}
    connections["replica"] = DatabaseWrapper(alias, "replica")
    monkeypatch.setattr(routers, "replica_is_separate", lambda: True)
    settings.DATABASE_ROUTERS = ["shipskip.routers.ReplicaRouter"]
    middleware = [name for name in settings.MIDDLEWARE if name != REPLICA_MIDDLEWARE]
    settings.MIDDLEWARE = [middleware[0], REPLICA_MIDDLEWARE, *middleware[1:]]
    routers.forget_checks()
    yield connections["replica"]
    routers.forget_checks()
    connections["replica"].close()
    del connections["replica"]
    if declared is not None:
        connections.settings["replica"] = declared


class Reads:
    """The queries each alias ran during a block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"]).__enter__()
        self.replica = CaptureQueriesContext(connections["replica"]).__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    @property
    def primary_reads(self) -> list[str]:
        """Primary queries other than the bookkeeping a replica read may need."""
        return [
            q["sql"]
            for q in self.primary.captured_queries
            if not any(mark in q["sql"] for mark in PRIMARY_BOOKKEEPING)
        ]


def settled(feed) -> None:
    """Wait until the feed has heard of every catalog write so far: the factories' commits are
    announced asynchronously, and a late one would change the keys between two requests."""
    from tests.integration.test_change_feed import wait_for

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT version FROM comparisons_catalogversion WHERE id = 1")
        version = cursor.fetchone()[0]
    assert wait_for(lambda: feed.snapshot().catalog >= version)


def test_a_first_time_visitors_pages_read_the_replica(replica, change_feed):
    tool = reviewed_tool()
    comparison = comparison_of(tool, reviewed_tool())
    urls = [
        "/",
        "/tools/",
        tool.get_absolute_url(),
        comparison.get_absolute_url(),
        "/api/tools/",
        f"/api/tools/{tool.slug}/",
        "/feeds/latest.rss",
        "/sitemap.xml",
    ]
    for url in urls:
        with Reads() as reads:
            response = Client().get(url)
        assert response.status_code == 200, url
        assert response["X-Database-Reads"] == "replica", url
        assert reads.replica.captured_queries, url
        assert reads.primary_reads == [], (url, reads.primary_reads)


def test_a_cached_page_reads_nothing(replica, change_feed):
    url = reviewed_tool().get_absolute_url()
    settled(change_feed)
    assert Client().get(url)["X-Database-Reads"] == "replica"
    with Reads() as reads:
        response = Client().get(url)
    assert response["X-Database-Reads"] == "none"
    assert not reads.replica.captured_queries and not reads.primary.captured_queries


def test_a_vote_and_every_page_after_it_read_the_primary(replica, change_feed):
    tool = reviewed_tool()
    voter = Client()
    voter.get(tool.get_absolute_url())
    with Reads() as reads:
        response = voter.post(f"/votes/{tool.slug}/", {"value": "ship"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["X-Database-Reads"] in ("primary", "none")  # a first vote is one statement
    assert reads.replica.captured_queries == []
    for url in (tool.get_absolute_url(), "/", "/tools/"):  # the voter cookie now pins them
        with Reads() as reads:
            page = voter.get(url)
        assert page["X-Database-Reads"] == "primary", url
        assert reads.replica.captured_queries == [], url
    buttons = re.findall(r"<button\b[^>]*>", voter.get(tool.get_absolute_url()).content.decode())
    assert any('value="ship"' in b and 'aria-pressed="true"' in b for b in buttons)


def test_users_the_admin_and_accounts_read_the_primary(replica, django_user_model):
    tool = reviewed_tool()
    reader = Client()
    reader.force_login(django_user_model.objects.create_user("reader", password="x" * 12))
    editor = Client()
    editor.force_login(
        django_user_model.objects.create_user(
            "editor", password="x" * 12, is_staff=True, is_superuser=True
        )
    )
    for client, url in (
        (reader, tool.get_absolute_url()),
        (reader, "/tools/"),
        (reader, "/bookmarks/"),
        (editor, "/admin/comparisons/tool/"),
        (editor, tool.get_absolute_url()),
    ):
        with Reads() as reads:
            response = client.get(url)
        assert response.status_code == 200, url
        assert reads.replica.captured_queries == [], url
        assert response["X-Database-Reads"] == "primary", url


def test_a_replica_naming_the_primarys_own_database_is_not_read_through(replica, monkeypatch):
    """Tests (Django's mirror) or both URLs pointing at one server: read the primary, which
    also sees the current transaction."""
    monkeypatch.undo()  # the real replica_is_separate
    assert routers.replica_is_separate() is False
    token = routers.begin(eligible=True)
    try:
        assert routers.ReplicaRouter().db_for_read(Tool) == "default"
    finally:
        routers.end(token)


def test_posts_and_primary_paths_are_never_replica_eligible():
    factory = RequestFactory()
    assert routers.may_read_replica(factory.get("/tools/"))
    assert routers.may_read_replica(factory.head("/"))
    assert not routers.may_read_replica(factory.post("/votes/x/"))
    for path in ("/admin/", "/accounts/login/", "/bookmarks/panel/", "/newsletter/confirm/x/"):
        assert not routers.may_read_replica(factory.get(path)), path
    with_voter = factory.get("/tools/")
    with_voter.COOKIES["shipskip_voter"] = "someone"
    assert not routers.may_read_replica(with_voter)
    with_session = factory.get("/tools/")
    with_session.COOKIES["sessionid"] = "abc"
    assert not routers.may_read_replica(with_session)


def test_writes_identities_and_rate_limits_always_use_the_primary(replica):
    router = routers.ReplicaRouter()
    token = routers.begin(eligible=True)
    try:
        from django.contrib.auth import get_user_model

        from accounts.models import Session

        for model in (Session, get_user_model(), Counter):
            assert router.db_for_read(model) == "default", model
        assert router.db_for_read(Tool) == "replica"
        assert router.db_for_write(Vote) == "default"
        assert router.db_for_read(Tool) == "default"  # the request has written: read it back
    finally:
        routers.end(token)
    assert router.db_for_read(Tool) == "default"  # outside a request: commands, tests
    assert router.allow_migrate("default", "votes") and not router.allow_migrate("replica", "votes")
    assert router.allow_relation(Tool(), Vote())


def test_a_lagging_replica_is_not_read_for_a_page_the_cache_would_keep(
    replica, change_feed, monkeypatch
):
    """A page rendered while the replica lags what the node has heard would be cached under
    the new key with old counts: such a request reads the primary instead."""
    tool = reviewed_tool()
    monkeypatch.setattr(routers, "replica_reached", lambda target: False)
    with Reads() as reads:
        response = Client().get(tool.get_absolute_url())
    assert response.status_code == 200
    assert response["X-Database-Reads"] == "primary"
    assert reads.replica.captured_queries == []


def test_a_good_check_is_remembered_until_the_feed_hears_of_a_change(
    replica, change_feed, monkeypatch
):
    from tests.integration.test_change_feed import wait_for

    monkeypatch.setattr(routers, "CONFIRM_FOR", 60.0)  # however slow this machine is today
    tool = reviewed_tool()
    settled(change_feed)
    assert Client().get(tool.get_absolute_url() + "?a")["X-Database-Reads"] == "replica"
    with Reads() as reads:
        assert Client().get(tool.get_absolute_url() + "?b")["X-Database-Reads"] == "replica"
    checks = [q for q in reads.primary.captured_queries if "wal_insert_lsn" in q["sql"]]
    assert checks == [], "an unchanged feed state needs no new check"
    heard = change_feed.snapshot().community
    Client().post(f"/votes/{tool.slug}/", {"value": "ship"})
    assert wait_for(lambda: change_feed.snapshot().community > heard)
    with Reads() as reads:
        page = Client().get(tool.get_absolute_url() + "?c")
    assert page["X-Database-Reads"] == "replica"
    assert "1 community vote counted" in page.content.decode()
    checks = [q for q in reads.primary.captured_queries if "wal_insert_lsn" in q["sql"]]
    assert len(checks) == 1, "a change the feed heard of is checked against the replica"


def test_an_unreachable_replica_leaves_the_primary_serving(replica, change_feed):
    connections["replica"].close()
    connections["replica"].settings_dict |= {"HOST": "127.0.0.1", "PORT": "1"}
    tool = reviewed_tool()
    for url in (tool.get_absolute_url(), "/tools/", "/api/tools/"):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert response["X-Database-Reads"] == "primary", url
