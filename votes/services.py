"""Writes to votes and bookmarks. Every change to a tool's votes happens under its row lock, and
the tool's counts move by exactly that change in the same transaction (moderation and merges
recount from the votes table): a vote is never lost or counted twice. Every change to counts
is announced to the web workers' page caches once it has committed (``_announce``)."""

from __future__ import annotations

import functools
import json
import logging
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from comparisons import changefeed
from comparisons.models import Status, Tool, Verdict
from throttle import limits
from votes.batching import GroupCommit
from votes.models import Bookmark, Vote
from votes.voters import Voter

logger = logging.getLogger(__name__)


def _announce(slugs) -> None:
    """Tell the page caches these tools' counts moved, once the change is committed (at once
    outside a transaction); in a gunicorn worker, with the worker's next batch."""
    slugs = list(slugs)
    transaction.on_commit(lambda: changefeed.announcer.announce(slugs))


def _recount(tool: Tool) -> None:
    counts = Vote.objects.filter(tool=tool).aggregate(
        ships=Count("pk", filter=Q(value=Verdict.SHIP)),
        skips=Count("pk", filter=Q(value=Verdict.SKIP)),
    )
    Tool.objects.filter(pk=tool.pk).update(
        community_ships=counts["ships"], community_skips=counts["skips"]
    )
    tool.community_ships, tool.community_skips = counts["ships"], counts["skips"]
    _announce([tool.slug])


@functools.cache
def _voted_fields() -> list[str]:
    """The fields vote_first returns, in the order of the model's fields."""
    wanted = {"id", "slug", "name", "community_ships", "community_skips"}
    return [f.attname for f in Tool._meta.concrete_fields if f.attname in wanted]


class RateLimited(Exception):
    """A first vote past one of its rates: counted as a hit, not as a vote."""


@dataclass(frozen=True)
class FirstVote:
    slug: str
    anonymous_id: uuid.UUID
    value: str
    address_hash: str = ""
    checks: tuple[tuple[str, limits.Rate], ...] = ()  # (rate-limit key, rate), all hit


# First votes of new visitors, any number in one statement (its own transaction). In order:
# - every rate-limit key is hit once per vote (throttle.limits.HITS_CTES), and a vote past one
#   of its rates is refused, its hits counted all the same;
# - the votes are inserted in (tool, voter) order; a visitor's vote that is already there (a
#   replayed request) is not inserted again, and waits for the attempt that inserted it;
# - then the voted tools are locked in id order and each count moves by this batch's votes:
#   a recount holding a tool's lock cannot see the uncommitted votes, and the update then adds
#   them to whatever the recount wrote. Locking after the inserts means a replay waits on the
#   first attempt's vote, never the other way round;
# - every vote's row says whether it was refused, whether it counted, and its tool with the
#   counts as they now are (no tool: not a published tool).
FIRST_VOTES_SQL = f"""
WITH item AS (
    SELECT * FROM json_to_recordset(%(votes)s::json)
        AS item(ord int, slug text, anonymous_id uuid, value text, address_hash text)
), {limits.HITS_CTES}, target AS (
    -- Each tool through its slug's index (a lateral subquery with LIMIT is never flattened
    -- into a join): as a join it was planned as a scan of the whole tools table, and so were
    -- "locked" and "moved" before they took their ids as arrays.
    SELECT item.*, tool.id AS tool_id
      FROM item CROSS JOIN LATERAL (
           SELECT id FROM comparisons_tool
            WHERE slug = item.slug AND status = %(published)s LIMIT 1) AS tool
     WHERE item.ord NOT IN (SELECT ord FROM refused)
), vote AS (
    INSERT INTO votes_vote (tool_id, anonymous_id, value, address_hash, created_at, updated_at)
    SELECT DISTINCT ON (tool_id, anonymous_id)
           tool_id, anonymous_id, value, address_hash, now(), now()
      FROM target ORDER BY tool_id, anonymous_id, ord
    ON CONFLICT (tool_id, anonymous_id) WHERE anonymous_id IS NOT NULL DO NOTHING
    RETURNING tool_id, anonymous_id, value
), counted AS (
    SELECT min(target.ord) AS ord
      FROM target JOIN vote USING (tool_id, anonymous_id)
     GROUP BY target.tool_id, target.anonymous_id
), locked AS MATERIALIZED (
    -- reading "vote" here makes the inserts happen before any tool is locked
    SELECT id, slug, name, community_ships, community_skips FROM comparisons_tool
     WHERE id = ANY(ARRAY(SELECT tool_id FROM target)) AND (SELECT count(*) FROM vote) >= 0
     ORDER BY id
       FOR UPDATE
), moved AS (
    UPDATE comparisons_tool AS tool
       SET community_ships = tool.community_ships + change.ships,
           community_skips = tool.community_skips + change.skips
      FROM (SELECT tool_id,
                   count(*) FILTER (WHERE value = %(ship)s) AS ships,
                   count(*) FILTER (WHERE value = %(skip)s) AS skips
              FROM vote GROUP BY tool_id) AS change
     WHERE tool.id = change.tool_id AND tool.id = ANY(ARRAY(SELECT id FROM locked))
    RETURNING tool.id, tool.community_ships, tool.community_skips
)
SELECT item.ord IN (SELECT ord FROM refused), item.ord IN (SELECT ord FROM counted),
       locked.id, locked.slug, locked.name,
       coalesce(moved.community_ships, locked.community_ships),
       coalesce(moved.community_skips, locked.community_skips)
  FROM item
  LEFT JOIN target ON target.ord = item.ord
  LEFT JOIN locked ON locked.id = target.tool_id
  LEFT JOIN moved ON moved.id = target.tool_id
 ORDER BY item.ord
"""  # noqa: S608 - constants only; every value is a parameter

REFUSED = object()  # an outcome of first_votes: past a rate


def first_votes(votes: list[FirstVote]) -> list[Tool | None | object]:
    """Each vote's outcome, in order: its tool with fresh counts, None when no published tool
    has that slug, or ``REFUSED`` when past a rate. One statement for all of them."""
    params = {
        # One JSON text each: a statement's parameters cost far less to send this way than
        # as arrays of many values.
        "votes": json.dumps(
            [
                {
                    "ord": ord,
                    "slug": vote.slug,
                    "anonymous_id": str(vote.anonymous_id),
                    "value": vote.value,
                    "address_hash": vote.address_hash,
                }
                for ord, vote in enumerate(votes)
            ]
        ),
        "hits": limits.hits_json([vote.checks for vote in votes]),
        "published": Status.PUBLISHED,
        "ship": Verdict.SHIP,
        "skip": Verdict.SKIP,
    }
    with connection.cursor() as cursor:
        cursor.execute(FIRST_VOTES_SQL, params)
        rows = cursor.fetchall()
    outcomes: list[Tool | None | object] = []
    moved = set()
    for refused, counted, pk, slug, name, ships, skips in rows:
        if refused:
            outcomes.append(REFUSED)
            continue
        if pk is None:
            outcomes.append(None)
            continue
        if counted:
            moved.add(slug)
        else:
            logger.info("first vote replayed: %s already had this voter's vote", slug)
        given = dict(id=pk, slug=slug, name=name, community_ships=ships, community_skips=skips)
        # from_db takes the values in the model's field order.
        outcomes.append(
            Tool.from_db(connection.alias, list(given), [given[f] for f in _voted_fields()])
        )
    if moved:
        _announce(sorted(moved))
    return outcomes


# A worker's threads share their first votes' statements (votes/batching.py).
_group = GroupCommit(first_votes)


def vote_first(
    *, slug: str, voter: Voter, value: str, address_hash: str = "", checks=()
) -> Tool | None:
    """A new anonymous visitor's first vote on the published tool ``slug``: hit each rate in
    ``checks`` ((key, Rate) pairs), add the vote, and add one to the tool's count under the row
    lock the update takes, in one statement, shared with the first votes of other threads that
    are waiting at the same moment (``votes.batching``). Returns the tool with fresh counts, or
    None when no published tool has that slug; raises ``RateLimited`` past a rate.

    Only for a voter whose id was made for this request (``voter.is_new``): no earlier vote of
    theirs can exist, so the change is known without reading anything first.

    Idempotent: the same request replayed (by nginx on another node, after the node that took
    it died) makes the same voter id (``voters.new_anonymous_id``). If the first attempt
    committed, its vote is found, nothing is inserted, and the counts do not move; the tool comes
    back with its current counts. Two attempts racing: the second waits on the vote of the first,
    then inserts nothing, and reads the counts the first committed.

    Inside a transaction (a caller's ``atomic``) the vote is its own batch, on that transaction.
    """
    if not voter.is_new or voter.anonymous_id is None:
        raise ValueError("vote_first is for a voter who has never voted")
    vote = FirstVote(slug, voter.anonymous_id, value, address_hash, tuple(checks))
    if connection.in_atomic_block:
        (outcome,) = first_votes([vote])
    else:
        outcome = _group.submit(vote)
    if outcome is REFUSED:
        raise RateLimited(slug)
    return outcome  # type: ignore[return-value]


@transaction.atomic
def vote_set(*, tool: Tool, voter: Voter, value: str | None, address_hash: str = "") -> Tool:
    """Make ``value`` (ship, skip, or None to withdraw) this voter's vote on ``tool``.

    Setting the same value twice is harmless, so repeated or simultaneous clicks leave exactly
    one vote holding the last value written. Returns the tool with fresh community counts.

    The tool's row is locked first, so every change to its votes queues behind it; under that
    lock the change from the previous value to the new one is known exactly, and the counts move
    by that difference (a full recount would read every vote of a busy tool on each click).
    """
    locked = (
        Tool.objects.select_for_update().only("community_ships", "community_skips").get(pk=tool.pk)
    )
    votes = Vote.objects.filter(tool=locked, **voter.lookup)
    previous = None if voter.is_new else votes.values_list("value", flat=True).first()
    if value == previous:
        pass
    elif value is None:
        votes.delete()
    elif previous is None:
        Vote.objects.create(tool=locked, value=value, address_hash=address_hash, **voter.lookup)
    else:
        votes.update(value=value, address_hash=address_hash, updated_at=timezone.now())
    ships = locked.community_ships + (value == Verdict.SHIP) - (previous == Verdict.SHIP)
    skips = locked.community_skips + (value == Verdict.SKIP) - (previous == Verdict.SKIP)
    if (ships, skips) != (locked.community_ships, locked.community_skips):
        Tool.objects.filter(pk=tool.pk).update(community_ships=ships, community_skips=skips)
        _announce([tool.slug])
    # Whatever the caller loaded may be older than the locked row: answer with the locked one.
    tool.community_ships, tool.community_skips = ships, skips
    return tool


@transaction.atomic
def votes_merge_anonymous(*, user_id: int, anonymous_id: uuid.UUID) -> int:
    """Move an anonymous visitor's votes to the account they just logged in to.

    Where the account already voted on a tool, the account's vote wins and the anonymous one
    goes. Returns how many votes moved.
    """
    anonymous = Vote.objects.filter(anonymous_id=anonymous_id)
    tool_ids = list(anonymous.values_list("tool_id", flat=True))
    if not tool_ids:
        return 0
    # Lock in primary-key order so two merges can never wait on each other.
    tools = list(Tool.objects.select_for_update().filter(pk__in=tool_ids).order_by("pk"))
    anonymous = anonymous.filter(tool_id__in=tool_ids)
    already = Vote.objects.filter(user_id=user_id, tool_id__in=tool_ids).values("tool_id")
    anonymous.filter(tool_id__in=already).delete()
    moved = anonymous.update(user_id=user_id, anonymous_id=None)
    for tool in tools:
        _recount(tool)
    return moved


def bookmark_add(*, user_id: int, tool: Tool) -> None:
    # ON CONFLICT DO NOTHING: a double click or two tabs cannot fail or duplicate.
    Bookmark.objects.bulk_create([Bookmark(user_id=user_id, tool=tool)], ignore_conflicts=True)


def bookmark_remove(*, user_id: int, tool: Tool) -> None:
    Bookmark.objects.filter(user_id=user_id, tool=tool).delete()


@transaction.atomic
def votes_remove_by_voters(votes) -> dict[int, int]:
    """Remove every vote cast by the voters of ``votes`` (moderation), recounting each tool.

    Returns how many votes each affected tool lost.
    """
    user_ids = {v.user_id for v in votes if v.user_id}
    anonymous_ids = {v.anonymous_id for v in votes if v.anonymous_id}
    by_voters = Vote.objects.filter(Q(user_id__in=user_ids) | Q(anonymous_id__in=anonymous_ids))
    tool_ids = sorted(set(by_voters.values_list("tool_id", flat=True)))
    tools = list(Tool.objects.select_for_update().filter(pk__in=tool_ids).order_by("pk"))
    lost = dict(by_voters.values("tool_id").annotate(n=Count("pk")).values_list("tool_id", "n"))
    by_voters.delete()
    for tool in tools:
        _recount(tool)
    return lost


def votes_recount_all() -> int:
    """Recompute every tool's community counts from the votes table (one statement); returns
    how many tools were wrong. For operators: the counts move exactly with each vote under a
    row lock, so this should find nothing."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE comparisons_tool AS t
               SET community_ships = c.ships, community_skips = c.skips
              FROM (SELECT tool.id,
                           count(v.id) FILTER (WHERE v.value = 'ship') AS ships,
                           count(v.id) FILTER (WHERE v.value = 'skip') AS skips
                      FROM comparisons_tool AS tool
                      LEFT JOIN votes_vote AS v ON v.tool_id = tool.id
                     GROUP BY tool.id) AS c
             WHERE c.id = t.id
               AND (t.community_ships, t.community_skips) IS DISTINCT FROM (c.ships, c.skips)
            RETURNING t.slug
            """
        )
        slugs = [slug for (slug,) in cursor.fetchall()]
    _announce(slugs)
    return len(slugs)
