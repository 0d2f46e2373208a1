"""Pages cost a fixed number of queries, whatever the votes and whoever is looking."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import comparison_of, make_user, reviewed_tool
from votes.models import Vote
from votes.services import bookmark_add, vote_set
from votes.voters import Voter

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    """A full render (no page cache) with the shared data (personas, home lists) warm."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.fixture(autouse=True)
def no_page_cache(settings, change_feed):
    """Whole pages are rendered every time; the shared data under them is kept as in a
    gunicorn worker, whose change feed says when it changed."""
    settings.SHIPSKIP_PAGE_CACHE = False


def add_votes(tool, count: int) -> None:
    Vote.objects.bulk_create(
        Vote(tool=tool, anonymous_id=uuid.uuid4(), value="ship" if i % 2 else "skip")
        for i in range(count)
    )


def test_comparison_and_tool_pages_cost_the_same_with_0_or_500_votes(client):
    first, second = reviewed_tool(), reviewed_tool()
    comparison_of(first, second)
    pages = [f"/compare/{first.slug}-vs-{second.slug}/", first.get_absolute_url(), "/"]
    user = make_user()
    vote_set(tool=first, voter=Voter(user_id=user.pk), value="ship")
    bookmark_add(user_id=user.pk, tool=second)

    def measure() -> dict:
        anonymous = [queries(client, page) for page in pages]
        client.post(f"/votes/{first.slug}/", {"value": "skip"})  # now a known anonymous voter
        voter = [queries(client, page) for page in pages]
        client.force_login(user)
        logged_in = [queries(client, page) for page in pages]
        client.logout()
        client.cookies.clear()
        return {"anonymous": anonymous, "voter": voter, "logged_in": logged_in}

    few = measure()
    add_votes(first, 250)
    add_votes(second, 250)
    many = measure()
    assert few == many
    # No page makes more than 8 queries, whoever is looking.
    assert max(max(counts) for counts in few.values()) <= 8, few
    # A returning voter costs one query more (their votes); a user the same one query (their
    # session, read with the user and the user's votes and bookmarks).
    assert [v - a for a, v in zip(few["anonymous"], few["voter"], strict=True)] == [1, 1, 1]
    assert few["logged_in"] == few["voter"]
