import re

import pytest
from django.test import Client, override_settings

from comparisons.models import Status
from tests.factories import ToolFactory, make_user, reviewed_tool
from tests.integration.test_comparison_page import text_of
from votes.models import Vote
from votes.voters import COOKIE_NAME

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def tool():
    return reviewed_tool(slug="grok-coder")


def test_an_htmx_vote_returns_the_widget_and_updates_every_figure_out_of_band(client, tool):
    response = client.post(f"/votes/{tool.slug}/", {"value": "ship"}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.startswith('<form class="vote-widget" id="vote-grok-coder"')
    assert 'aria-pressed="true"' in content
    assert 'hx-swap-oob="innerHTML:.community-figure--grok-coder">1 vote so far<' in content
    assert 'hx-swap-oob="innerHTML:#live-region">Ship vote counted — 1 vote so far<' in content


def test_a_plain_vote_redirects_back_to_the_page_it_came_from(client, tool):
    page = f"/compare/{tool.slug}-vs-other/"
    response = client.post(f"/votes/{tool.slug}/", {"value": "skip", "next": page})
    assert response.status_code == 302
    assert response["Location"] == page
    assert Vote.objects.get().value == "skip"


def test_a_vote_never_redirects_to_another_site(client, tool):
    response = client.post(
        f"/votes/{tool.slug}/", {"value": "ship", "next": "https://evil.example/"}
    )
    assert response["Location"] == tool.get_absolute_url()


def test_an_anonymous_voter_gets_a_signed_httponly_cookie_and_keeps_it(client, tool):
    response = client.post(f"/votes/{tool.slug}/", {"value": "ship"})
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    vote = Vote.objects.get()
    assert str(vote.anonymous_id) in cookie.value and cookie.value != str(vote.anonymous_id)
    # The same browser switching its vote does not get a new id.
    again = client.post(f"/votes/{tool.slug}/", {"value": "skip"})
    assert COOKIE_NAME not in again.cookies
    assert Vote.objects.get().value == "skip"


def test_a_forged_voter_cookie_is_ignored_and_replaced(client, tool):
    client.cookies[COOKIE_NAME] = "00000000-0000-0000-0000-000000000000"
    client.post(f"/votes/{tool.slug}/", {"value": "ship"})
    assert str(Vote.objects.get().anonymous_id) != "00000000-0000-0000-0000-000000000000"


def test_a_logged_in_vote_belongs_to_the_user(client, tool):
    user = make_user()
    client.force_login(user)
    client.post(f"/votes/{tool.slug}/", {"value": "ship"}, **HTMX)
    assert Vote.objects.get().user == user


def test_withdrawing_by_pressing_the_pressed_button(client, tool):
    client.post(f"/votes/{tool.slug}/", {"value": "ship"}, **HTMX)
    response = client.post(f"/votes/{tool.slug}/withdraw/", {"value": "ship"}, **HTMX)
    assert "Vote withdrawn — No community votes yet" in response.content.decode()
    assert not Vote.objects.exists()


def test_the_client_address_is_stored_only_as_a_keyed_hash(client, tool):
    client.post(f"/votes/{tool.slug}/", {"value": "ship"}, REMOTE_ADDR="203.0.113.9")
    stored = Vote.objects.get().address_hash
    assert stored and "203.0.113.9" not in stored and len(stored) == 32


@pytest.mark.parametrize("value", ["", "maybe", "SHIP", "<script>", "ship' OR 1=1"])
def test_a_value_other_than_ship_or_skip_is_a_400_with_a_message(client, tool, value):
    response = client.post(f"/votes/{tool.slug}/", {"value": value}, **HTMX)
    assert response.status_code == 400
    assert "ship" in text_of(response).lower()
    assert 'role="alert"' in response.content.decode()
    assert not Vote.objects.exists()


def test_a_bad_value_without_htmx_is_a_400_page(client, tool):
    response = client.post(f"/votes/{tool.slug}/", {"value": "maybe"})
    assert response.status_code == 400
    assert "Your vote was not counted" in text_of(response)


def test_an_unknown_or_draft_tool_is_a_404(client):
    draft = ToolFactory(status=Status.DRAFT, published_at=None)
    assert client.post("/votes/no-such-tool/", {"value": "ship"}).status_code == 404
    assert client.post(f"/votes/{draft.slug}/", {"value": "ship"}).status_code == 404
    assert not Vote.objects.exists()


@pytest.mark.parametrize("path", ["/votes/{}/", "/votes/{}/withdraw/"])
def test_get_on_a_vote_endpoint_is_a_405(client, tool, path):
    assert client.get(path.format(tool.slug)).status_code == 405


def test_a_vote_without_a_csrf_token_is_a_403_and_counts_nothing(tool):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/votes/{tool.slug}/", {"value": "ship"}, **HTMX)
    assert response.status_code == 403
    assert "Reload it and try again" in response.content.decode()
    assert not Vote.objects.exists()


@override_settings(SHIPSKIP_VOTE_RATE="3/m")
def test_too_many_votes_from_one_voter_is_a_429_shown_in_the_widget(client, tool):
    for value in ["ship", "skip", "ship"]:
        assert client.post(f"/votes/{tool.slug}/", {"value": value}, **HTMX).status_code == 200
    response = client.post(f"/votes/{tool.slug}/", {"value": "skip"}, **HTMX)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many votes in a minute" in text_of(response)
    assert 'id="vote-grok-coder"' in response.content.decode()
    assert Vote.objects.get().value == "ship"  # the refused vote changed nothing


@override_settings(SHIPSKIP_VOTE_RATE_PER_ADDRESS="2/m")
def test_new_anonymous_ids_from_one_address_are_limited_too(tool):
    statuses = [
        Client().post(f"/votes/{tool.slug}/", {"value": "ship"}).status_code for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert Vote.objects.count() == 2


def test_the_tool_page_says_how_many_votes_are_counted(client, tool):
    assert "0 community votes counted" in text_of(client.get(tool.get_absolute_url()))
    client.post(f"/votes/{tool.slug}/", {"value": "ship"})
    page = text_of(client.get(tool.get_absolute_url()))
    assert "1 community vote counted" in page
    assert "How votes are counted" in page


def test_the_page_shows_the_visitors_own_vote_as_pressed(client, tool):
    client.post(f"/votes/{tool.slug}/", {"value": "skip"})
    content = client.get(tool.get_absolute_url()).content.decode()
    widget = content[content.index('id="vote-grok-coder"') :]
    widget = widget[: widget.index("</form>")]
    assert 'value="skip" aria-pressed="true"' in widget
    assert 'value="ship" aria-pressed="false"' in widget


def test_how_votes_are_counted_states_the_rules(client, db):
    page = text_of(client.get("/how-votes-are-counted/"))
    for rule in (
        "One vote per person per tool",
        "signed cookie",
        "keyed hash",
        "30 votes every 60 seconds",
        "5 votes",
    ):
        assert rule in page


REQUEST_ID = "5f0c9e2b7d3a4e6f8a1b2c3d4e5f6a7b"


def _voter_id(response) -> str:
    return response.cookies[COOKIE_NAME].value.split(":", 1)[0]


def _first_vote_twice(tool, request_id: str) -> list:
    """The same first vote sent twice, as nginx replays it on the other node when the first one
    died after committing: no voter cookie, the same X-Request-ID and client address."""
    headers = {"HTTP_X_REQUEST_ID": request_id, "HTTP_X_FORWARDED_FOR": "203.0.113.7", **HTMX}
    return [Client().post(f"/votes/{tool.slug}/", {"value": "ship"}, **headers) for _ in "12"]


@override_settings(SHIPSKIP_BEHIND_PROXY=True)
def test_a_replayed_first_vote_behind_the_proxy_is_one_voter_counted_once(tool):
    responses = _first_vote_twice(tool, REQUEST_ID)
    assert [response.status_code for response in responses] == [200, 200]
    assert _voter_id(responses[0]) == _voter_id(responses[1])
    vote = Vote.objects.get()
    assert str(vote.anonymous_id) == _voter_id(responses[0])
    tool.refresh_from_db()
    assert (tool.community_ships, tool.community_skips) == (1, 0)
    for response in responses:  # both answers show the one vote, pressed
        assert 'hx-swap-oob="innerHTML:.community-figure--grok-coder">1 vote so far<' in (
            response.content.decode()
        )
        assert 'aria-pressed="true"' in response.content.decode()


@pytest.mark.parametrize(
    ("behind_proxy", "request_id"),
    [(False, REQUEST_ID), (True, "not-a-request-id"), (True, REQUEST_ID.upper())],
)
def test_an_untrusted_or_malformed_request_id_makes_a_new_voter_each_time(
    tool, behind_proxy, request_id
):
    with override_settings(SHIPSKIP_BEHIND_PROXY=behind_proxy):
        responses = _first_vote_twice(tool, request_id)
    assert [response.status_code for response in responses] == [200, 200]
    assert _voter_id(responses[0]) != _voter_id(responses[1])
    assert Vote.objects.count() == 2
    tool.refresh_from_db()
    assert tool.community_ships == 2


def test_the_vote_widget_escapes_a_tools_name_on_its_page_and_in_the_vote_answer(client):
    tool = reviewed_tool(slug="odd-name", name='Evil <script>alert(1)</script> "quoted"')
    for response in (
        client.get(tool.get_absolute_url()),
        client.post(f"/votes/{tool.slug}/", {"value": "ship"}, **HTMX),
    ):
        content = response.content.decode()
        assert "<script>alert(1)" not in content
        assert (
            'aria-label="Your vote on Evil &lt;script&gt;alert(1)&lt;/script&gt; '
            '&quot;quoted&quot;"'
        ) in content


def test_the_pressed_button_withdraws_and_the_other_one_switches(client, tool):
    client.post(f"/votes/{tool.slug}/", {"value": "ship"})
    content = client.get(tool.get_absolute_url()).content.decode()
    withdraw, vote = f"/votes/{tool.slug}/withdraw/", f"/votes/{tool.slug}/"
    assert (
        f'value="ship" aria-pressed="true" formaction="{withdraw}" hx-post="{withdraw}"' in content
    )
    assert f'value="skip" aria-pressed="false" hx-post="{vote}"' in content
    assert "1 community vote counted" in content  # the tool page's own widget says how many


def test_the_vote_answer_escapes_the_return_address_and_needs_no_csrf_field(tool):
    client = Client(enforce_csrf_checks=True)
    page = client.get(tool.get_absolute_url()).content.decode()
    # As htmx sends it: the token of the page's <body hx-headers>.
    token = re.search(r'hx-headers=\'\{"x-csrftoken": "(\w+)"\}\'', page).group(1)
    next_page = f'/compare/{tool.slug}-vs-other/?a=1&b="x"'
    response = client.post(
        f"/votes/{tool.slug}/", {"value": "ship", "next": next_page}, HTTP_X_CSRFTOKEN=token, **HTMX
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="next" value="/compare/grok-coder-vs-other/?a=1&amp;b=&quot;x&quot;"' in content
    # htmx sends the page's token in a header on the next vote; the answer carries none.
    assert "csrfmiddlewaretoken" not in content
    again = client.post(
        f"/votes/{tool.slug}/withdraw/", {"next": next_page}, HTTP_X_CSRFTOKEN=token, **HTMX
    )
    assert again.status_code == 200
    assert not Vote.objects.exists()
