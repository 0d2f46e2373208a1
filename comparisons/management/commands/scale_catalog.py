"""A large, realistic catalog on top of the demo content, for the benchmark (bench/run.py).

Creates published "Bench Tool NNNN" tools (slugs ``bench-tool-NNNN``) spread over the existing
categories, four reviews each (one per persona), curated comparisons of two to four of them, and
anonymous community votes spread unevenly over the tools (copied in with PostgreSQL's COPY), then
recomputes every tool's community counts from the votes table in one statement. Everything is
written in one transaction; ANALYZE runs afterwards. Run it after ``load_demo``.

It refuses to run twice: if bench tools exist it says so and changes nothing, unless ``--force``,
which deletes the bench tools (with their reviews, votes and comparisons) first.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from comparisons.models import (
    Category,
    Comparison,
    ComparisonEntry,
    Persona,
    PricingModel,
    Review,
    Status,
    Tool,
    Verdict,
)

SLUG_PREFIX = "bench-tool-"
NAME_PREFIX = "Bench Tool"

MAKERS = [
    "Northwind Labs",
    "Quarry AI",
    "Lattice Systems",
    "Fernhill Research",
    "Cobalt Works",
    "Open Meridian",
    "Harbor Compute",
    "Juniper Intelligence",
    "Basalt & Co",
    "Tidewater Software",
    "Parallax Studio",
    "Ironbark Cloud",
]

NOUNS = [
    "code review",
    "model serving",
    "test generation",
    "code search",
    "meeting notes",
    "support triage",
    "speech transcription",
    "image generation",
    "video editing",
    "health tracking",
    "edge inference",
    "model fine-tuning",
    "document answers",
    "agent workflows",
    "data labelling",
    "voice cloning",
]
AUDIENCES = [
    "small teams",
    "platform engineers",
    "startups on a budget",
    "regulated companies",
    "agencies",
    "solo developers",
    "data teams",
    "enterprises with a security review",
]
QUALITIES = [
    "without a metered API",
    "that stays on your own hardware",
    "with a generous free tier",
    "that plugs into the editor you already use",
    "with audit logs from day one",
    "that works offline",
    "with a real API and honest limits",
    "that an intern can set up before lunch",
]

DESCRIPTION_SENTENCES = [
    "{name} from {maker} focuses on {noun} and ships as a hosted service with a self-hosted "
    "option for teams that need one.",
    "It wraps a fine-tuned language model with retrieval over your own repositories, tickets "
    "and documents, so answers cite where they came from.",
    "Setup takes a single command and an API key; the default configuration is sensible and "
    "every option is documented with a runnable example.",
    "Pricing follows seats rather than tokens, which keeps the bill predictable when usage "
    "spikes at the end of a sprint.",
    "Its weights were trained on permissively licensed sources, and the maker publishes its "
    "evaluation harness so results can be reproduced.",
    "Integrations cover GitHub, GitLab, Slack and Jira, and a webhook API covers the rest.",
    "The maker publishes usage caps, data retention terms and a changelog that names breaking "
    "changes before they land.",
    "A desktop client syncs settings across machines and keeps working offline when the "
    "network is down.",
]

REVIEW_OPENERS = {
    "builder": [
        "I had {name} running against a real repository in under twenty minutes, which is rare.",
        "{name} is a thin layer over someone else's model, and it shows the moment you leave "
        "the happy path.",
        "The API of {name} is clean, composable and boring in the best way.",
    ],
    "skeptic": [
        "The benchmark numbers {maker} quotes for {name} come from its own evaluation set.",
        "{name} does what it says, and the fine print on limits is published, not buried.",
        "I tried to break {name} with messy inputs for an afternoon and it mostly held up.",
    ],
    "futurist": [
        "{name} points at where {noun} is heading: cheaper inference, closer to the data.",
        "In a year the features that make {name} special today will be table stakes.",
        "{name} bets on open weights and local inference, and that bet looks better every month.",
    ],
    "founder": [
        "At this price {name} pays for itself if it saves each engineer an hour a week.",
        "The per-seat pricing of {name} gets uncomfortable past twenty people.",
        "{name} is the kind of tool a team adopts quietly and then cannot do without.",
    ],
}
REVIEW_SENTENCES = [
    "Latency was steady under load in our tests, with no surprises at the ninety-ninth percentile.",
    "The documentation answers the questions you actually have, with examples that run.",
    "Error messages say what went wrong and what to do next, which saves a support ticket.",
    "Vendor lock-in is modest: exports are plain JSON and the prompts are yours.",
    "The admin console is thin, so rolling it out to a large organisation takes scripting.",
    "Accuracy on our own evaluation set was good but not better than the free options.",
    "The roadmap promises more than the product delivers today, so judge what ships.",
    "Self-hosting needs a GPU with plenty of memory, which not every team has spare.",
    "Privacy terms are clear: nothing is retained for training unless you opt in.",
    "Onboarding a new teammate took five minutes, including single sign-on.",
]
REVIEW_CLOSERS = {
    Verdict.SHIP: [
        "Ship it for {audience}; revisit when the pricing changes.",
        "On balance it earns a place in the stack, especially for {audience}.",
    ],
    Verdict.SKIP: [
        "Skip it for now; {audience} have better options this quarter.",
        "Not yet: wait for the next release before betting {audience} on it.",
    ],
}

EDITOR_NOTES = [
    "Both promise the same thing on the landing page; the panel found they differ most on "
    "pricing and on how much setup a team needs before the first useful answer.",
    "A close call: read the Skeptic's reviews first, then check which pricing model fits how "
    "your team actually works.",
    "",
    "",
]
PICK_IFS = [
    "you want predictable per-seat pricing",
    "your code cannot leave your own servers",
    "you need it running before lunch",
    "you already pay for the maker's cloud",
    "",
]


def _sentence_pad(sentences: list[str], target: int, rng: random.Random, pool: list[str]) -> str:
    """Add sentences from ``pool`` until the text reaches about ``target`` characters."""
    text = " ".join(sentences)
    extra = rng.sample(pool, len(pool))
    for sentence in extra:
        if len(text) >= target:
            break
        text = f"{text} {sentence}"
    return text


def _price(rng: random.Random) -> tuple[str, str, str]:
    """(pricing model, entry price, pricing text)."""
    model = rng.choices(
        [PricingModel.FREE, PricingModel.FREEMIUM, PricingModel.PAID, PricingModel.OPEN_WEIGHTS],
        weights=[15, 40, 35, 10],
    )[0]
    monthly = rng.choice([8, 10, 12, 15, 19, 20, 25, 29, 39, 49])
    if model == PricingModel.FREE:
        return model, "Free", "Free for every use; the maker earns from hosted enterprise support."
    if model == PricingModel.OPEN_WEIGHTS:
        return (
            model,
            "Free",
            "Free open weights under a permissive license; inference cost depends on where you "
            "run it.",
        )
    if model == PricingModel.FREEMIUM:
        return (
            model,
            "Free",
            f"Free tier with {rng.choice([50, 100, 200, 500])} requests a day; Pro at "
            f"${monthly}/mo per seat, billed monthly or yearly.",
        )
    entry = rng.choice([f"${monthly}/mo", f"${monthly * 10}/yr", "Contact sales", f"${monthly}9"])
    return model, entry, f"{entry} per seat with a 14-day trial; volume discounts above 50 seats."


class Command(BaseCommand):
    help = (
        "Bulk-create a large bench catalog (tools, reviews, comparisons, anonymous votes) on top "
        "of the demo content. Does nothing if bench tools exist, unless --force."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tools", type=int, default=1000, help="Bench tools (default 1000).")
        parser.add_argument(
            "--votes", type=int, default=200_000, help="Anonymous votes (default 200000)."
        )
        parser.add_argument(
            "--comparisons", type=int, default=200, help="Curated comparisons (default 200)."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--force", action="store_true", help="Delete existing bench tools first, then create."
        )

    @contextmanager
    def _step(self, label: str, timings: dict[str, float]) -> Iterator[None]:
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        timings[label] = elapsed
        self.stdout.write(f"  {label:<34} {elapsed:7.2f} s")

    def handle(self, *args, **options) -> None:
        tools, votes, comparisons = options["tools"], options["votes"], options["comparisons"]
        if not 4 <= tools <= 9999:
            raise CommandError("--tools must be between 4 and 9999.")
        if votes < 0 or comparisons < 0:
            raise CommandError("--votes and --comparisons cannot be negative.")
        if comparisons > tools * 10:
            raise CommandError("Ask for at most ten comparisons per bench tool.")

        existing = Tool.objects.filter(slug__startswith=SLUG_PREFIX)
        if existing.exists() and not options["force"]:
            self.stdout.write(
                f"The catalog is already scaled ({existing.count()} bench tools); nothing to do. "
                "Use --force to delete and recreate them."
            )
            return
        categories = list(Category.objects.order_by("pk"))
        personas = list(Persona.objects.order_by("order", "pk"))
        if not categories or len(personas) < 4:
            raise CommandError("Load the demo content first: manage.py migrate && load_demo.")

        rng = random.Random(options["seed"])
        timings: dict[str, float] = {}
        started = time.perf_counter()
        self.stdout.write(
            f"Scaling the catalog: {tools} tools, {tools * len(personas)} reviews, "
            f"{comparisons} comparisons, {votes} votes."
        )
        with transaction.atomic():
            if options["force"]:
                with self._step("delete old bench tools", timings):
                    self._delete_bench_tools()
            with self._step("tools (bulk_create)", timings):
                created = self._create_tools(tools, categories, rng)
            with self._step("reviews (bulk_create + triggers)", timings):
                self._create_reviews(created, personas, rng)
            with self._step("comparisons (bulk_create)", timings):
                made = self._create_comparisons(created, comparisons, rng)
            with self._step("votes (COPY)", timings):
                self._copy_votes(created, votes, rng)
            with self._step("community counts (one UPDATE)", timings):
                recounted = self._recount()
            commit_started = time.perf_counter()
        # Django's foreign keys are deferred: the commit checks every new row's references.
        timings["commit"] = time.perf_counter() - commit_started
        self.stdout.write(f"  {'commit (deferred foreign keys)':<34} {timings['commit']:7.2f} s")
        with self._step("ANALYZE", timings), connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE comparisons_tool, comparisons_review, comparisons_comparison, "
                "comparisons_comparisonentry, votes_vote"
            )
        total = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Scaled: {len(created)} tools, {len(created) * len(personas)} reviews, "
                f"{made} comparisons, {votes} votes; {recounted} tools recounted; "
                f"{total:.1f} s in all."
            )
        )

    def _delete_bench_tools(self) -> None:
        bench = Tool.objects.filter(slug__startswith=SLUG_PREFIX)
        ids = list(bench.values_list("pk", flat=True))
        with connection.cursor() as cursor:
            # Hundreds of thousands of votes: one statement, not Django's collector.
            cursor.execute("DELETE FROM votes_vote WHERE tool_id = ANY(%s)", [ids])
        with_bench = ComparisonEntry.objects.filter(tool_id__in=ids).values("comparison_id")
        Comparison.objects.filter(pk__in=with_bench).delete()
        bench.delete()

    def _create_tools(
        self, count: int, categories: list[Category], rng: random.Random
    ) -> list[Tool]:
        today = timezone.localdate()
        objs = []
        for number in range(1, count + 1):
            name = f"{NAME_PREFIX} {number:04d}"
            slug = f"{SLUG_PREFIX}{number:04d}"
            maker = rng.choice(MAKERS)
            noun = rng.choice(NOUNS)
            tagline = (f"{noun.capitalize()} for {rng.choice(AUDIENCES)} {rng.choice(QUALITIES)}")[
                :160
            ]
            description = _sentence_pad(
                [DESCRIPTION_SENTENCES[0].format(name=name, maker=maker, noun=noun)],
                400,
                rng,
                DESCRIPTION_SENTENCES[1:],
            )
            model, entry, pricing = _price(rng)
            # Most verdicts are recent; a fifth are older than the freshness window.
            age = rng.randint(1, 170) if rng.random() < 0.8 else rng.randint(185, 540)
            published_on = today - dt.timedelta(days=age)
            objs.append(
                Tool(
                    name=name,
                    slug=slug,
                    maker=maker,
                    category=categories[(number - 1) % len(categories)],
                    tagline=tagline,
                    description=description,
                    pricing=pricing,
                    entry_price=entry,
                    pricing_model=model,
                    website=f"https://{slug}.example/",
                    pricing_source_url=f"https://{slug}.example/pricing",
                    pricing_verified_on=published_on - dt.timedelta(days=rng.randint(0, 5)),
                    status=Status.PUBLISHED,
                    published_at=dt.datetime.combine(
                        published_on, dt.time(rng.randint(7, 19), rng.randint(0, 59)), dt.UTC
                    ),
                )
            )
        return Tool.objects.bulk_create(objs, batch_size=500)

    def _create_reviews(
        self, tools: list[Tool], personas: list[Persona], rng: random.Random
    ) -> None:
        objs = []
        for tool in tools:
            quality = rng.randint(30, 92)
            tool._bench_quality = quality  # ship share of the community votes follows it
            reviewed_on = tool.published_at.date() - dt.timedelta(days=rng.randint(0, 4))
            for persona in personas:
                score = max(0, min(100, round(rng.gauss(quality, 12))))
                verdict = Verdict.SHIP if score >= 60 else Verdict.SKIP
                if rng.random() < 0.1:  # reviewers do not always follow their own score
                    verdict = Verdict.SKIP if verdict == Verdict.SHIP else Verdict.SHIP
                fields = {
                    "name": tool.name,
                    "maker": tool.maker,
                    "noun": tool.tagline.split(" for ")[0].lower(),
                    "audience": rng.choice(AUDIENCES),
                }
                openers = REVIEW_OPENERS.get(persona.slug) or REVIEW_OPENERS["builder"]
                body = _sentence_pad(
                    [rng.choice(openers).format(**fields)], 520, rng, REVIEW_SENTENCES
                )
                body = f"{body} {rng.choice(REVIEW_CLOSERS[verdict]).format(**fields)}"
                objs.append(
                    Review(
                        tool=tool,
                        persona=persona,
                        score=score,
                        verdict=verdict,
                        body=body,
                        reviewed_on=reviewed_on,
                    )
                )
        # Each insert fires the search trigger, which refreshes the tool's search vector.
        Review.objects.bulk_create(objs, batch_size=1000)

    def _create_comparisons(self, tools: list[Tool], count: int, rng: random.Random) -> int:
        by_category: dict[int, list[Tool]] = {}
        for tool in tools:
            by_category.setdefault(tool.category_id, []).append(tool)
        groups = [group for group in by_category.values() if len(group) >= 4]
        seen: set[frozenset[int]] = set()
        chosen: list[list[Tool]] = []
        for _ in range(count * 20):  # bounded: duplicates are skipped, never retried forever
            if len(chosen) >= count:
                break
            size = rng.choices([2, 3, 4], weights=[45, 35, 20])[0]
            # Mostly tools of one category, as editors would pair them; some across categories.
            pool = rng.choice(groups) if groups and rng.random() < 0.85 else tools
            members = rng.sample(pool, size)
            key = frozenset(tool.pk for tool in members)
            if key in seen:
                continue
            seen.add(key)
            chosen.append(members)
        now = timezone.now()
        comparisons = Comparison.objects.bulk_create(
            [
                Comparison(
                    editor_note=rng.choice(EDITOR_NOTES),
                    status=Status.PUBLISHED,
                    published_at=now - dt.timedelta(days=rng.randint(1, 300), minutes=index),
                )
                for index in range(len(chosen))
            ],
            batch_size=500,
        )
        ComparisonEntry.objects.bulk_create(
            [
                ComparisonEntry(
                    comparison=comparison,
                    tool=tool,
                    position=position,
                    pick_if=rng.choice(PICK_IFS),
                )
                for comparison, members in zip(comparisons, chosen, strict=True)
                for position, tool in enumerate(members)
            ],
            batch_size=1000,
        )
        return len(comparisons)

    def _copy_votes(self, tools: list[Tool], count: int, rng: random.Random) -> None:
        if not count:
            return
        # Uneven: a few tools draw most votes (a Zipf-like curve), and one in twenty has none.
        order = tools[:]
        rng.shuffle(order)
        weights = [
            0.0 if rng.random() < 0.05 else 1 / (rank**0.8) for rank in range(1, len(order) + 1)
        ]
        ship_share = {
            tool.pk: min(
                0.95, max(0.05, rng.gauss(getattr(tool, "_bench_quality", 60) / 100, 0.12))
            )
            for tool in order
        }
        targets = rng.choices([tool.pk for tool in order], weights=weights, k=count)
        addresses = [f"{rng.getrandbits(128):032x}" for _ in range(max(1, count // 10))]
        now = timezone.now()
        sql = (
            "COPY votes_vote (tool_id, anonymous_id, value, address_hash, created_at, updated_at) "
            "FROM STDIN"
        )
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for tool_id in targets:
                value = Verdict.SHIP if rng.random() < ship_share[tool_id] else Verdict.SKIP
                when = now - dt.timedelta(seconds=rng.randint(60, 300 * 86400))
                copy.write_row(
                    (
                        tool_id,
                        uuid.UUID(int=rng.getrandbits(128), version=4),
                        str(value),
                        rng.choice(addresses),
                        when,
                        when,
                    )
                )

    def _recount(self) -> int:
        """Every tool's community counts from the votes table, in one statement."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE comparisons_tool AS tool
                SET community_ships = counted.ships, community_skips = counted.skips
                FROM (
                    SELECT t.id AS tool_id,
                           count(v.id) FILTER (WHERE v.value = 'ship') AS ships,
                           count(v.id) FILTER (WHERE v.value = 'skip') AS skips
                    FROM comparisons_tool AS t
                    LEFT JOIN votes_vote AS v ON v.tool_id = t.id
                    GROUP BY t.id
                ) AS counted
                WHERE tool.id = counted.tool_id
                  AND (tool.community_ships, tool.community_skips)
                      IS DISTINCT FROM (counted.ships, counted.skips)
                """
            )
            return cursor.rowcount
