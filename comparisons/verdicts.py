"""The two figures every tool shows: the panel verdict and the community figure.

Both are plain values computed from counts, so the same wording appears everywhere a tool does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SHIP = "ship"
SKIP = "skip"
SPLIT = "split"


@dataclass(frozen=True)
class PanelVerdict:
    """The panel's verdict: Ship when ships > skips, Skip when skips > ships, Split on a tie."""

    ships: int
    skips: int
    average: float | None  # mean score of the reviews, None without reviews

    @property
    def reviews(self) -> int:
        return self.ships + self.skips

    @property
    def verdict(self) -> str | None:
        if not self.reviews:
            return None
        if self.ships > self.skips:
            return SHIP
        if self.skips > self.ships:
            return SKIP
        return SPLIT

    @property
    def label(self) -> str:
        return {SHIP: "Ship", SKIP: "Skip", SPLIT: "Split"}.get(self.verdict, "No verdict yet")

    @property
    def ship_percent(self) -> int | None:
        if not self.reviews:
            return None
        return round(100 * self.ships / self.reviews)

    @property
    def average_score(self) -> int | None:
        return None if self.average is None else round(self.average)

    @property
    def summary(self) -> str:
        """'Ship · 4 ship / 0 skip', as the decision table shows it."""
        if not self.reviews:
            return "No verdict yet"
        return f"{self.label} · {self.ships} ship / {self.skips} skip"


@dataclass(frozen=True)
class CommunityFigure:
    """Community ship/skip votes; the percentage shows only from ``threshold`` votes on."""

    ships: int
    skips: int
    threshold: int

    @property
    def votes(self) -> int:
        return self.ships + self.skips

    @property
    def ship_percent(self) -> int | None:
        if not self.votes or self.votes < self.threshold:
            return None
        return round(100 * self.ships / self.votes)

    @property
    def lean(self) -> str | None:
        """Which way the community leans, once its percentage is shown."""
        percent = self.ship_percent
        if percent is None:
            return None
        return SHIP if percent > 50 else SKIP if percent < 50 else SPLIT

    @property
    def label(self) -> str:
        if self.votes == 0:
            return "No community votes yet"
        noun = "vote" if self.votes == 1 else "votes"
        if self.votes < self.threshold:
            return f"{self.votes} {noun} so far"
        return f"{self.ship_percent}% ship · {self.votes} {noun}"


@dataclass(frozen=True)
class Freshness:
    """Whether a verdict may be out of date: its oldest review is older than the allowed age,
    or the tool's pricing changed after that review."""

    first_reviewed: dt.date | None
    pricing_changed: dt.date | None
    today: dt.date
    max_age_days: int

    @property
    def pricing_changed_since(self) -> bool:
        return bool(
            self.first_reviewed
            and self.pricing_changed
            and self.pricing_changed > self.first_reviewed
        )

    @property
    def too_old(self) -> bool:
        return bool(
            self.first_reviewed and (self.today - self.first_reviewed).days > self.max_age_days
        )

    @property
    def is_stale(self) -> bool:
        return self.pricing_changed_since or self.too_old

    @property
    def reason(self) -> str:
        if self.pricing_changed_since:
            return f"pricing changed on {self.pricing_changed:%-d %b %Y}"
        if self.too_old:
            return f"reviewed on {self.first_reviewed:%-d %b %Y}, over {self.max_age_days} days ago"
        return ""

    @property
    def label(self) -> str:
        return f"Verdict may be out of date — {self.reason}" if self.is_stale else ""
