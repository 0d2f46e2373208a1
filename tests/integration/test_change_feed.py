"""The change feed as gunicorn workers run it: a listening thread keeps the page cache's keys in
memory, so a cached page costs no query, and committed votes and edits still show at once."""

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comparisons.models import Tool
from tests.factories import comparison_of, reviewed_tool
from tests.integration.test_comparison_page import text_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def feed(change_feed):
    return change_feed


def wait_for(condition, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def caught_up(feed) -> bool:
    """The feed has heard every catalog change committed so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM comparisons_catalogversion WHERE id = 1")
        (version,) = cursor.fetchone()
    return wait_for(lambda: feed.snapshot().catalog >= version)


def test_a_cached_page_costs_no_query_while_the_feed_listens(feed, client):
    tool = reviewed_tool()
    comparison = comparison_of(tool, reviewed_tool())
    # The new tools' notifications may still be on their way: a page cached before they
    # arrive is keyed on the older version, and the next request rightly renders it again.
    assert caught_up(feed)
    for url in (tool.get_absolute_url(), comparison.get_absolute_url(), "/", "/tools/"):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) == 0, (url, [q["sql"] for q in queries])


def test_a_committed_vote_shows_on_every_cached_page_that_counts_it(feed, client):
    tool = reviewed_tool()
    comparison = comparison_of(tool, reviewed_tool())
    urls = (tool.get_absolute_url(), comparison.get_absolute_url(), "/tools/", "/")
    for url in urls:
        assert "1 vote so far" not in text_of(client.get(url))  # now cached
    heard = feed.snapshot().community
    Client().post(f"/votes/{tool.slug}/", {"value": "ship"})
    assert wait_for(lambda: feed.snapshot().community > heard)
    for url in urls:
        assert "1 vote so far" in text_of(client.get(url)), url


def test_an_editors_publish_shows_at_once(feed, client):
    tool = reviewed_tool()
    # The new tool's own notifications may still be on their way; counting from a version
    # that does not include them would take them for the edits' (seen once in CI).
    assert caught_up(feed)
    assert client.get(tool.get_absolute_url()).status_code == 200
    Tool.objects.filter(pk=tool.pk).update(tagline="Rewritten after a new release")
    assert caught_up(feed)
    assert "Rewritten after a new release" in text_of(client.get(tool.get_absolute_url()))
    Tool.objects.filter(pk=tool.pk).update(status="draft")
    assert caught_up(feed)
    assert client.get(tool.get_absolute_url()).status_code == 404


def test_a_voter_sees_their_own_vote_even_before_the_feed_hears_of_it(feed, monkeypatch):
    tool = reviewed_tool()
    url = tool.get_absolute_url()
    voter, bystander = Client(), Client()
    voter.post(f"/votes/{tool.slug}/", {"value": "skip"})  # now a returning voter
    voter.post(f"/votes/{tool.slug}/withdraw/")
    assert wait_for(lambda: feed.snapshot().tools.get(tool.slug) == 2)
    assert "No community votes yet" in text_of(voter.get(url))
    assert "No community votes yet" in text_of(bystander.get(url))
    # The feed falls behind: it hears nothing more.
    monkeypatch.setattr(feed, "_apply", lambda channel, payload: None)
    voter.post(f"/votes/{tool.slug}/", {"value": "ship"})
    assert "1 vote so far" in text_of(voter.get(url))  # their own vote is part of their key


def test_without_the_feed_pages_ask_postgresql_and_stay_correct(feed, client):
    tool = reviewed_tool()
    url = tool.get_absolute_url()
    client.get(url)
    feed.stop()
    assert feed.snapshot() is None
    client.get(url)  # keys of another shape: rendered once more
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) == 1  # the fingerprint query of the fallback
    Client().post(f"/votes/{tool.slug}/", {"value": "ship"})
    assert "1 vote so far" in text_of(client.get(url))


def test_a_lost_connection_falls_back_then_listens_again_with_new_counters(feed, client):
    tool = reviewed_tool()
    first = feed.snapshot()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [feed.backend_pid])
    assert wait_for(lambda: feed.snapshot() not in (first, None), 10)
    assert feed.snapshot().session != first.session  # keys cached before can never match
    # Votes committed while it was away are read from the database, not from old keys.
    Client().post(f"/votes/{tool.slug}/", {"value": "ship"})
    assert wait_for(lambda: feed.snapshot().tools.get(tool.slug) == 1)
    assert "1 vote so far" in text_of(client.get(tool.get_absolute_url()))


def test_a_changed_or_withdrawn_vote_shows_on_cached_pages(feed, client):
    tool = reviewed_tool()
    voter = Client()
    voter.post(f"/votes/{tool.slug}/", {"value": "ship"})
    assert wait_for(lambda: feed.snapshot().tools.get(tool.slug) == 1)
    url = tool.get_absolute_url()
    assert "100% ship" not in text_of(client.get(url))  # below the threshold: "1 vote so far"
    voter.post(f"/votes/{tool.slug}/", {"value": "skip"})
    assert wait_for(lambda: feed.snapshot().tools.get(tool.slug) == 2)
    assert Tool.objects.get(pk=tool.pk).community_skips == 1
    assert "1 vote so far" in text_of(client.get(url))
    voter.post(f"/votes/{tool.slug}/withdraw/")
    assert wait_for(lambda: feed.snapshot().tools.get(tool.slug) == 3)
    assert "No community votes yet" in text_of(client.get(url))


def test_votes_removed_by_a_moderator_leave_cached_pages(feed, client):
    from votes.models import Vote
    from votes.services import votes_remove_by_voters

    tool = reviewed_tool()
    Client().post(f"/votes/{tool.slug}/", {"value": "ship"})
    assert wait_for(lambda: feed.snapshot().tools.get(tool.slug) == 1)
    url = tool.get_absolute_url()
    assert "1 vote so far" in text_of(client.get(url))  # now cached
    votes_remove_by_voters(list(Vote.objects.filter(tool=tool)))
    assert wait_for(lambda: feed.snapshot().tools.get(tool.slug) == 2)
    assert "No community votes yet" in text_of(client.get(url))


@pytest.fixture
def announcer(monkeypatch):
    """The worker's announcer running, as gunicorn starts it, with every batch it sends kept."""
    from comparisons import changefeed

    live = changefeed.Announcer()
    monkeypatch.setattr(changefeed, "announcer", live)
    sent = []
    send = changefeed.announce_counts

    def recording(slugs, using="default"):
        send(slugs, using)
        sent.append(sorted(slugs))

    monkeypatch.setattr(changefeed, "announce_counts", recording)
    live.start()
    live.sent = sent
    yield live
    live.stop()


def test_a_burst_of_votes_is_announced_once_and_every_cached_page_shows_it(
    feed, announcer, client, monkeypatch
):
    from comparisons import changefeed

    monkeypatch.setattr(changefeed, "ANNOUNCE_EVERY_SECONDS", 1)  # the burst takes less
    tools = [reviewed_tool() for _ in range(2)]
    urls = [tool.get_absolute_url() for tool in tools]
    for url in urls:
        assert "No community votes yet" in text_of(client.get(url))  # now cached
    for tool in tools:
        for _ in range(3):
            assert Client().post(f"/votes/{tool.slug}/", {"value": "ship"}).status_code == 302
    assert wait_for(lambda: all(feed.snapshot().tools.get(tool.slug) for tool in tools))
    for url in urls:
        assert "3 votes so far" in text_of(client.get(url))
    # Six votes, one notifying transaction that names each tool once.
    assert announcer.sent == [sorted(tool.slug for tool in tools)]


def test_count_changes_still_pending_go_out_when_the_worker_stops(feed, announcer, monkeypatch):
    from comparisons import changefeed

    monkeypatch.setattr(changefeed, "ANNOUNCE_EVERY_SECONDS", 30)
    tool = reviewed_tool()
    Client().post(f"/votes/{tool.slug}/", {"value": "skip"})
    time.sleep(0.2)
    assert feed.snapshot().tools.get(tool.slug) is None  # still gathering
    started = time.monotonic()
    announcer.stop()
    assert time.monotonic() - started < 5  # stopping does not wait out the batch
    assert wait_for(lambda: feed.snapshot().tools.get(tool.slug) == 1)


def test_a_batch_that_cannot_be_sent_is_sent_later(feed, announcer, monkeypatch):
    from comparisons import changefeed

    failures = []
    send = changefeed.announce_counts

    def down_once(slugs, using="default"):
        if not failures:
            failures.append(sorted(slugs))
            raise changefeed.psycopg.OperationalError("server closed the connection")
        send(slugs, using)

    monkeypatch.setattr(changefeed, "announce_counts", down_once)
    tool = reviewed_tool()
    Client().post(f"/votes/{tool.slug}/", {"value": "ship"})
    assert wait_for(lambda: feed.snapshot().tools.get(tool.slug) == 1, 10)
    assert failures == [[tool.slug]]


def test_many_tools_announced_together_each_move_on_every_listener(feed):
    from comparisons import changefeed

    # More slugs than one notification's 8000-byte payload holds: sent as several, each tool
    # counted once.
    slugs = [f"tool-{n:04d}-{'x' * 40}" for n in range(400)]
    payloads = changefeed._payloads(slugs)
    assert len(payloads) > 1 and all(len(p) <= changefeed.PAYLOAD_BYTES for p in payloads)
    assert " ".join(payloads).split() == slugs
    changefeed.announce_counts(slugs)
    assert wait_for(lambda: all(feed.snapshot().tools.get(slug) == 1 for slug in slugs))
