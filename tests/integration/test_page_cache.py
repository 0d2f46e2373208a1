"""Pages are cached, but a visitor never sees another's state or a stale count."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comparisons.models import Review, Tool
from tests.factories import comparison_of, make_user, reviewed_tool
from tests.integration.test_comparison_page import text_of

pytestmark = pytest.mark.django_db


def pressed(content: str, slug: str) -> list[str]:
    widget = content[content.index(f'id="vote-{slug}"') :]
    widget = widget[: widget.index("</form>")]
    return re.findall(r'value="(ship|skip)" aria-pressed="true"', widget)


def test_one_visitors_vote_never_shows_as_pressed_for_another():
    tool = reviewed_tool()
    alice, bob = Client(), Client()
    alice.get(tool.get_absolute_url())  # cached for anonymous visitors
    alice.post(f"/votes/{tool.slug}/", {"value": "ship"})
    assert pressed(alice.get(tool.get_absolute_url()).content.decode(), tool.slug) == ["ship"]
    bob_page = bob.get(tool.get_absolute_url()).content.decode()
    assert pressed(bob_page, tool.slug) == []
    assert "1 vote so far" in bob_page  # but the count is everyone's


def test_a_visitor_never_sees_a_stale_count_after_their_own_vote(client):
    tool = reviewed_tool()
    url = tool.get_absolute_url()
    assert "No community votes yet" in text_of(client.get(url))
    assert "No community votes yet" in text_of(client.get(url))  # served from the cache
    client.post(f"/votes/{tool.slug}/", {"value": "skip"})
    assert "1 vote so far" in text_of(client.get(url))
    client.post(f"/votes/{tool.slug}/withdraw/")
    assert "No community votes yet" in text_of(client.get(url))


def test_another_visitors_vote_shows_on_the_next_page_load(
    client, django_capture_on_commit_callbacks
):
    tool = reviewed_tool()
    comparison = comparison_of(tool, reviewed_tool())
    for url in (comparison.get_absolute_url(), "/tools/", "/"):
        assert "1 vote so far" not in text_of(client.get(url))  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(f"/votes/{tool.slug}/", {"value": "ship"})
    for url in (comparison.get_absolute_url(), "/tools/", "/"):
        assert "1 vote so far" in text_of(client.get(url)), url


def test_a_logged_in_page_is_never_served_to_someone_else(client):
    tool = reviewed_tool()
    user = make_user("carol")
    client.force_login(user)
    assert "carol" in text_of(client.get(tool.get_absolute_url()))
    anonymous = text_of(Client().get(tool.get_absolute_url()))
    assert "carol" not in anonymous and "Log in" in anonymous


def test_an_editors_change_shows_at_once(client):
    tool = reviewed_tool(scores=(80, 80, 80, 80))
    assert "Average score 80/100" in text_of(client.get(tool.get_absolute_url()))
    Review.objects.filter(tool=tool).update(score=60)  # any editorial write bumps the version
    assert "Average score 60/100" in text_of(client.get(tool.get_absolute_url()))
    Tool.objects.filter(pk=tool.pk).update(tagline="A brand new tagline")
    assert "A brand new tagline" in text_of(client.get("/"))


def test_unpublishing_removes_a_cached_page(client):
    tool = reviewed_tool()
    assert client.get(tool.get_absolute_url()).status_code == 200
    Tool.objects.filter(pk=tool.pk).update(status="draft")
    assert client.get(tool.get_absolute_url()).status_code == 404


def test_every_visitor_gets_their_own_working_csrf_token_from_a_cached_page():
    tool = reviewed_tool()
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        content = visitor.get(tool.get_absolute_url()).content.decode()
        token = re.search(r'"x-csrftoken": "([^"]+)"', content).group(1)
        assert "placeholder" not in token
        response = visitor.post(
            f"/votes/{tool.slug}/",
            {"value": "ship"},
            HTTP_X_CSRFTOKEN=token,
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200


def test_a_cached_tool_page_costs_one_query_for_an_anonymous_visitor(client):
    tool = reviewed_tool()
    client.get(tool.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        assert client.get(tool.get_absolute_url()).status_code == 200
    assert len(queries) == 1


def test_a_staff_preview_is_never_served_to_visitors(client):
    draft = reviewed_tool(status="draft", published_at=None)
    client.force_login(make_user("staffer-quill", is_staff=True))
    assert "Draft — a preview" in text_of(client.get(draft.get_absolute_url()))
    assert Client().get(draft.get_absolute_url()).status_code == 404
    live = reviewed_tool()
    assert "Log out" in text_of(client.get(live.get_absolute_url()))  # rendered for staff
    assert "staffer-quill" not in text_of(Client().get(live.get_absolute_url()))


def test_flash_messages_are_never_cached(client):
    tool = reviewed_tool()
    client.post(f"/votes/{tool.slug}/", {"value": "ship", "next": tool.get_absolute_url()})
    first = text_of(client.get(tool.get_absolute_url()))
    assert "Ship vote counted" in first  # the flash message, once
    assert "Ship vote counted" not in text_of(client.get(tool.get_absolute_url()))


def bookmark_pressed(content: str, slug: str) -> bool:
    button = content[content.index(f'id="bookmark-{slug}-button"') :]
    return button[: button.index(">")].endswith('aria-pressed="true"')


def test_a_users_own_vote_and_bookmark_show_on_their_next_page_and_never_on_anothers():
    """A user's state comes with their session read (accounts/sessions.py) and keys the page."""
    tool = reviewed_tool()
    url = tool.get_absolute_url()
    dana, eli = Client(), Client()
    dana.force_login(make_user("dana"))
    eli.force_login(make_user("eli"))
    for client in (dana, eli):
        page = client.get(url).content.decode()  # each one's page, now cached
        assert pressed(page, tool.slug) == [] and not bookmark_pressed(page, tool.slug)
    dana.post(f"/votes/{tool.slug}/", {"value": "ship"})
    dana.post(f"/bookmarks/{tool.slug}/add/")
    page = dana.get(url).content.decode()
    assert pressed(page, tool.slug) == ["ship"] and bookmark_pressed(page, tool.slug)
    page = eli.get(url).content.decode()
    assert pressed(page, tool.slug) == [] and not bookmark_pressed(page, tool.slug)
    assert "1 vote so far" in text_of(eli.get(url))
