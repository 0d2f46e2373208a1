import uuid

import pytest
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from comparisons.models import Tool
from tests.factories import ToolFactory, make_user
from throttle.limits import Rate
from throttle.models import Counter
from votes.models import Bookmark, Vote
from votes.selectors import attach_visitor_state
from votes.services import (
    REFUSED,
    FirstVote,
    RateLimited,
    bookmark_add,
    bookmark_remove,
    first_votes,
    vote_first,
    vote_set,
    votes_merge_anonymous,
)
from votes.voters import COOKIE_NAME, Voter, anonymous_id_from, new_anonymous_id, remember

pytestmark = pytest.mark.django_db


def visitor() -> Voter:
    return Voter(anonymous_id=uuid.uuid4())


def counts(tool: Tool) -> tuple[int, int]:
    tool.refresh_from_db()
    return tool.community_ships, tool.community_skips


def test_a_first_vote_creates_one_vote_and_counts_it():
    tool, voter = ToolFactory(), visitor()
    returned = vote_set(tool=tool, voter=voter, value="ship")
    assert Vote.objects.get(tool=tool).value == "ship"
    assert counts(tool) == (1, 0)
    assert returned.community.label == "1 vote so far"


def test_a_new_visitors_first_vote_is_one_statement_that_counts_it(django_assert_num_queries):
    tool = ToolFactory()
    voter = Voter(anonymous_id=uuid.uuid4(), is_new=True)
    with django_assert_num_queries(1):
        returned = vote_first(slug=tool.slug, voter=voter, value="skip")
    assert (returned.pk, returned.slug, returned.name) == (tool.pk, tool.slug, tool.name)
    assert returned.community.label == "1 vote so far"
    assert Vote.objects.get(tool=tool, anonymous_id=voter.anonymous_id).value == "skip"
    assert counts(tool) == (0, 1)


@pytest.mark.parametrize("status", ["draft", "missing"])
def test_a_first_vote_on_a_draft_or_missing_tool_writes_nothing(status):
    tool = ToolFactory(status="draft", published_at=None) if status == "draft" else None
    slug = tool.slug if tool else "no-such-tool"
    voter = Voter(anonymous_id=uuid.uuid4(), is_new=True)
    assert vote_first(slug=slug, voter=voter, value="ship") is None
    assert not Vote.objects.exists()
    if tool:
        assert counts(tool) == (0, 0)


def test_only_a_voter_made_for_this_request_takes_the_first_vote_path():
    tool = ToolFactory()
    with pytest.raises(ValueError):
        vote_first(slug=tool.slug, voter=visitor(), value="ship")  # may have voted before
    assert not Vote.objects.exists()


def test_a_first_vote_made_twice_for_the_same_new_voter_counts_once(django_assert_num_queries):
    """A replayed first vote (same request on another node: same voter id) finds its vote."""
    tool = ToolFactory()
    voter = Voter(anonymous_id=uuid.uuid4(), is_new=True)
    first = vote_first(slug=tool.slug, voter=voter, value="ship")
    with django_assert_num_queries(1):
        again = vote_first(slug=tool.slug, voter=voter, value="ship")
    assert again is not None and (again.pk, again.slug, again.name) == (
        tool.pk,
        tool.slug,
        tool.name,
    )
    assert (again.community_ships, again.community_skips) == (1, 0)
    assert (first.community_ships, first.community_skips) == (1, 0)
    assert Vote.objects.filter(tool=tool).count() == 1
    assert counts(tool) == (1, 0)


def test_a_replayed_first_vote_returns_the_current_counts_and_moves_none():
    tool = ToolFactory()
    voter = Voter(anonymous_id=uuid.uuid4(), is_new=True)
    vote_first(slug=tool.slug, voter=voter, value="skip")
    for _ in range(2):
        vote_set(tool=tool, voter=visitor(), value="ship")
    again = vote_first(slug=tool.slug, voter=voter, value="skip")
    assert (again.community_ships, again.community_skips) == (2, 1) == counts(tool)
    assert Vote.objects.filter(tool=tool).count() == 3


def test_first_votes_of_one_moment_are_one_statement_each_counted_once(
    django_assert_num_queries,
):
    """What a worker's threads send together (votes/batching.py): every vote counted once, the
    same voter twice (a replay) once, a missing tool None, and each answer the counts after
    the whole statement."""
    one, two = ToolFactory(), ToolFactory()
    replayed = uuid.uuid4()
    votes = [
        FirstVote(one.slug, uuid.uuid4(), "ship"),
        FirstVote(two.slug, uuid.uuid4(), "skip"),
        FirstVote(one.slug, replayed, "skip"),
        FirstVote("no-such-tool", uuid.uuid4(), "ship"),
        FirstVote(one.slug, replayed, "skip"),
    ]
    with django_assert_num_queries(1):
        outcomes = first_votes(votes)
    assert outcomes[3] is None
    shown = [
        (t.slug, t.community_ships, t.community_skips) for i, t in enumerate(outcomes) if i != 3
    ]
    assert shown == [(one.slug, 1, 1), (two.slug, 0, 1), (one.slug, 1, 1), (one.slug, 1, 1)]
    assert counts(one) == (1, 1) and counts(two) == (0, 1)
    assert Vote.objects.filter(anonymous_id=replayed).count() == 1
    assert Vote.objects.count() == 3


def test_first_votes_past_a_rate_are_refused_in_the_order_they_came_and_still_hit(monkeypatch):
    tool = ToolFactory()
    per_address = (("vote:address:office", Rate(2, 60)),)
    votes = [FirstVote(tool.slug, uuid.uuid4(), "ship", "office", per_address) for _ in range(3)]
    outcomes = first_votes(votes)
    assert outcomes[2] is REFUSED and outcomes[0] is not REFUSED and outcomes[1] is not REFUSED
    assert counts(tool) == (2, 0)
    assert Counter.objects.get(key="vote:address:office").hits == 3
    with pytest.raises(RateLimited):  # the next one, alone, is past the rate too
        vote_first(
            slug=tool.slug,
            voter=Voter(anonymous_id=uuid.uuid4(), is_new=True),
            value="ship",
            address_hash="office",
            checks=per_address,
        )
    assert Counter.objects.get(key="vote:address:office").hits == 4
    assert Vote.objects.count() == 2


REQUEST_ID = "0123456789abcdef0123456789abcdef"


def _first_vote_request(request_id: str | None = REQUEST_ID, address: str = "203.0.113.7"):
    headers = {"HTTP_X_FORWARDED_FOR": address}
    if request_id is not None:
        headers["HTTP_X_REQUEST_ID"] = request_id
    return RequestFactory().post("/votes/t/", {"value": "ship"}, **headers)


@override_settings(SHIPSKIP_BEHIND_PROXY=True)
def test_behind_the_proxy_a_new_voters_id_is_made_from_the_request_id():
    made = new_anonymous_id(_first_vote_request())
    assert made == new_anonymous_id(_first_vote_request())  # the same request, replayed
    assert made.version == 4
    assert made != new_anonymous_id(_first_vote_request("f" * 32))  # another request
    assert made != new_anonymous_id(_first_vote_request(address="198.51.100.1"))
    # Keyed: the header alone does not say which id it makes.
    with override_settings(SECRET_KEY="another-secret-key-another-secret-key-another-secret"):
        assert made != new_anonymous_id(_first_vote_request())


@override_settings(SHIPSKIP_BEHIND_PROXY=True)
@pytest.mark.parametrize(
    "request_id",
    [None, "", "0123456789ABCDEF0123456789ABCDEF", REQUEST_ID + "0", REQUEST_ID[:-1],
     "0123456789abcdef0123456789abcdeg", f"{REQUEST_ID}\n", str(uuid.UUID(REQUEST_ID))],
)  # fmt: skip
def test_a_missing_or_malformed_request_id_gives_a_random_id(request_id):
    ids = {new_anonymous_id(_first_vote_request(request_id)) for _ in range(2)}
    assert len(ids) == 2


@override_settings(SHIPSKIP_BEHIND_PROXY=False)
def test_without_a_trusted_proxy_the_request_id_is_ignored():
    ids = {new_anonymous_id(_first_vote_request()) for _ in range(2)}
    assert len(ids) == 2


OLD_KEY = "the-old-secret-key-the-old-secret-key-the-old-secret-key"
NEW_KEY = "the-new-secret-key-the-new-secret-key-the-new-secret-key"


def _voter_cookie(voter: Voter) -> str:
    """The signed cookie ``remember`` sets for a new voter."""
    return remember(HttpResponse(), voter).cookies[COOKIE_NAME].value


def _read_back(cookie: str):
    request = RequestFactory().get("/")
    request.COOKIES[COOKIE_NAME] = cookie
    return anonymous_id_from(request)


def test_a_voter_cookie_is_signed_with_the_secret_key_in_force_when_it_is_set():
    voter = Voter(anonymous_id=uuid.uuid4(), is_new=True)
    with override_settings(SECRET_KEY=OLD_KEY):
        old = _voter_cookie(voter)
        assert _read_back(old) == voter.anonymous_id
    with override_settings(SECRET_KEY=NEW_KEY):
        new = _voter_cookie(voter)  # not signed with a signer kept from the old key
        assert new != old
        assert _read_back(new) == voter.anonymous_id
        assert _read_back(old) is None  # the old key is not trusted any more
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert _read_back(old) == voter.anonymous_id  # ... unless it is a fallback
    with override_settings(SECRET_KEY=OLD_KEY):
        assert _read_back(new) is None


def test_a_known_voter_gets_no_new_cookie():
    response = remember(HttpResponse(), Voter(anonymous_id=uuid.uuid4(), is_new=False))
    assert COOKIE_NAME not in response.cookies


def test_repeating_a_vote_answers_with_the_counts_under_the_lock_not_the_callers_copy():
    tool, voter = ToolFactory(), visitor()
    vote_set(tool=tool, voter=voter, value="ship")
    loaded_earlier = Tool.objects.get(pk=tool.pk)  # 1 ship, as the page showed it
    vote_set(tool=tool, voter=visitor(), value="ship")  # someone else meanwhile: 2 ships
    returned = vote_set(tool=loaded_earlier, voter=voter, value="ship")  # a double click
    assert returned.community.label == "2 votes so far"
    assert counts(tool) == (2, 0)


def test_voting_the_other_way_switches_the_vote_without_adding_one():
    tool, voter = ToolFactory(), visitor()
    vote_set(tool=tool, voter=voter, value="ship")
    vote_set(tool=tool, voter=voter, value="skip")
    assert list(Vote.objects.filter(tool=tool).values_list("value", flat=True)) == ["skip"]
    assert counts(tool) == (0, 1)


def test_the_same_vote_twice_is_still_one_vote():
    tool, voter = ToolFactory(), visitor()
    vote_set(tool=tool, voter=voter, value="ship")
    vote_set(tool=tool, voter=voter, value="ship")
    assert Vote.objects.filter(tool=tool).count() == 1
    assert counts(tool) == (1, 0)


def test_withdrawing_removes_the_vote_and_the_count():
    tool, voter = ToolFactory(), visitor()
    vote_set(tool=tool, voter=voter, value="ship")
    vote_set(tool=tool, voter=voter, value=None)
    assert not Vote.objects.filter(tool=tool).exists()
    assert counts(tool) == (0, 0)
    vote_set(tool=tool, voter=voter, value=None)  # withdrawing nothing is harmless
    assert counts(tool) == (0, 0)


def test_recount_repairs_counts_from_the_votes_table():
    tool, other = ToolFactory(), ToolFactory()
    vote_set(tool=tool, voter=visitor(), value="skip")
    vote_set(tool=other, voter=visitor(), value="ship")
    Tool.objects.filter(pk=tool.pk).update(community_ships=999)  # a corrupted counter
    from votes.services import votes_recount_all

    assert votes_recount_all() == 1
    assert counts(tool) == (0, 1) and counts(other) == (1, 0)
    assert votes_recount_all() == 0


def test_logging_in_moves_anonymous_votes_to_the_account():
    first, second = ToolFactory(), ToolFactory()
    user, anonymous = make_user(), visitor()
    vote_set(tool=first, voter=anonymous, value="ship")
    vote_set(tool=second, voter=anonymous, value="skip")
    moved = votes_merge_anonymous(user_id=user.pk, anonymous_id=anonymous.anonymous_id)
    assert moved == 2
    assert set(Vote.objects.values_list("user_id", "anonymous_id", "value")) == {
        (user.pk, None, "ship"),
        (user.pk, None, "skip"),
    }
    assert counts(first) == (1, 0) and counts(second) == (0, 1)


def test_the_accounts_own_vote_wins_over_the_anonymous_one_and_nothing_counts_twice():
    tool, user, anonymous = ToolFactory(), make_user(), visitor()
    vote_set(tool=tool, voter=Voter(user_id=user.pk), value="skip")
    vote_set(tool=tool, voter=anonymous, value="ship")
    assert counts(tool) == (1, 1)
    votes_merge_anonymous(user_id=user.pk, anonymous_id=anonymous.anonymous_id)
    assert list(Vote.objects.values_list("user_id", "value")) == [(user.pk, "skip")]
    assert counts(tool) == (0, 1)


def test_the_database_allows_one_vote_per_user_per_tool():
    tool, user = ToolFactory(), make_user()
    Vote.objects.create(tool=tool, user=user, value="ship")
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(tool=tool, user=user, value="skip")


def test_the_database_allows_one_vote_per_anonymous_visitor_per_tool():
    tool, anonymous_id = ToolFactory(), uuid.uuid4()
    Vote.objects.create(tool=tool, anonymous_id=anonymous_id, value="ship")
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(tool=tool, anonymous_id=anonymous_id, value="ship")


@pytest.mark.parametrize("with_user, with_anonymous", [(True, True), (False, False)])
def test_a_vote_belongs_to_exactly_one_kind_of_voter(with_user, with_anonymous):
    tool = ToolFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(
            tool=tool,
            user=make_user() if with_user else None,
            anonymous_id=uuid.uuid4() if with_anonymous else None,
            value="ship",
        )


def test_bookmarks_are_one_per_user_per_tool_and_adding_twice_is_harmless():
    tool, user = ToolFactory(), make_user()
    bookmark_add(user_id=user.pk, tool=tool)
    bookmark_add(user_id=user.pk, tool=tool)
    assert Bookmark.objects.filter(user=user, tool=tool).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Bookmark.objects.create(user=user, tool=tool)
    bookmark_remove(user_id=user.pk, tool=tool)
    assert not Bookmark.objects.exists()


def test_visitor_state_for_a_whole_page_is_one_query(django_assert_num_queries):
    tools = [ToolFactory() for _ in range(6)]
    user = make_user()
    vote_set(tool=tools[0], voter=Voter(user_id=user.pk), value="skip")
    bookmark_add(user_id=user.pk, tool=tools[1])
    with django_assert_num_queries(1):
        attach_visitor_state(tools, voter=Voter(user_id=user.pk), user=user)
    assert [t.my_vote for t in tools[:2]] == ["skip", None]
    assert [t.is_bookmarked for t in tools[:2]] == [False, True]


def test_a_visitor_with_no_identity_costs_no_query(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    tools = [ToolFactory()]
    with django_assert_num_queries(0):
        attach_visitor_state(tools, voter=None, user=AnonymousUser())
    assert tools[0].my_vote is None and tools[0].is_bookmarked is False


def test_rapid_clicks_in_sequence_leave_the_last_value():
    tool, voter = ToolFactory(), visitor()
    for value in ["ship", "skip", "ship", "skip"]:
        vote_set(tool=tool, voter=voter, value=value)
    assert list(Vote.objects.values_list("value", flat=True)) == ["skip"]
    assert counts(tool) == (0, 1)
