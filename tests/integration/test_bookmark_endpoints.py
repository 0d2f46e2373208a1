import json

import pytest
from django.test import Client

from tests.factories import make_user, reviewed_tool
from tests.integration.test_comparison_page import text_of
from votes.models import Bookmark

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def tool():
    return reviewed_tool(name="Zed AI", slug="zed-ai")


@pytest.fixture
def user():
    return make_user()


def test_an_anonymous_htmx_bookmark_gets_a_client_redirect_to_login_and_back(client, tool):
    response = client.post(f"/bookmarks/{tool.slug}/add/", {"next": "/compare/a-vs-b/"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fcompare%2Fa-vs-b%2F"
    assert not Bookmark.objects.exists()


def test_an_anonymous_plain_bookmark_redirects_to_login(client, tool):
    response = client.post(f"/bookmarks/{tool.slug}/add/", {"next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2F"


def test_bookmarking_in_place_returns_the_pressed_button_and_tells_the_panel(client, tool, user):
    client.force_login(user)
    response = client.post(f"/bookmarks/{tool.slug}/add/", {"next": "/"}, **HTMX)
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert "bookmarks-changed" in json.loads(response["HX-Trigger"])
    assert Bookmark.objects.filter(user=user, tool=tool).exists()
    response = client.post(f"/bookmarks/{tool.slug}/remove/", {"next": "/"}, **HTMX)
    assert 'aria-pressed="false"' in response.content.decode()
    assert not Bookmark.objects.exists()


def test_a_plain_bookmark_redirects_back_with_a_message(client, tool, user):
    client.force_login(user)
    response = client.post(f"/bookmarks/{tool.slug}/add/", {"next": "/"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Bookmarked: Zed AI" in text_of(response)


def test_bookmark_endpoints_refuse_get_and_missing_csrf(tool, user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(f"/bookmarks/{tool.slug}/add/").status_code == 405
    assert client.get(f"/bookmarks/{tool.slug}/remove/").status_code == 405
    assert client.post(f"/bookmarks/{tool.slug}/add/").status_code == 403
    assert not Bookmark.objects.exists()


def test_an_unknown_tool_cannot_be_bookmarked(client, user):
    client.force_login(user)
    assert client.post("/bookmarks/nothing-here/add/").status_code == 404


def test_the_bookmarks_panel_lists_the_users_bookmarks(client, tool, user):
    assert "No bookmarks yet" in text_of(client.get("/bookmarks/panel/"))
    client.force_login(user)
    client.post(f"/bookmarks/{tool.slug}/add/")
    panel = client.get("/bookmarks/panel/").content.decode()
    assert f'href="/tools/{tool.slug}/"' in panel


def test_the_bookmarks_page_needs_a_login(client):
    response = client.get("/bookmarks/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/bookmarks/")


def test_compare_selected_opens_the_comparison_of_the_ticked_tools(client, tool, user):
    other = reviewed_tool(name="Amp", slug="amp")
    client.force_login(user)
    for bookmarked in (tool, other):
        client.post(f"/bookmarks/{bookmarked.slug}/add/")
    page = client.get("/bookmarks/")
    assert "Compare selected" in text_of(page)
    response = client.get("/bookmarks/", {"tools": [tool.slug, other.slug]})
    assert response.status_code == 302
    assert response["Location"] == "/compare/amp-vs-zed-ai/"


@pytest.mark.parametrize("ticked", [["zed-ai"], ["zed-ai", "not-bookmarked"]])
def test_compare_selected_needs_two_to_four_bookmarked_tools(client, tool, user, ticked):
    client.force_login(user)
    client.post(f"/bookmarks/{tool.slug}/add/")
    response = client.get("/bookmarks/", {"tools": ticked})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
