"""The pictures on tool and comparison pages, as plain geometry for inline SVG templates.

No chart library and no JavaScript: the server works out every bar's width and every marker's
place here, and ``templates/comparisons/charts/`` draws them (the split bar, redrawn after
every vote, draws itself: ``split_bar_svg``). Horizontal positions are percentages
of the chart's width, so a chart fills any column without scaling its text; vertical positions are
pixels. Every chart carries a sentence (``label``) that says what it shows in words, for screen
readers (``role="img"`` + ``aria-label``) and for anyone who cannot tell the colours apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from comparisons.verdicts import CommunityFigure, PanelVerdict


def _percent(part: float, whole: float) -> float:
    """``part`` of ``whole`` as a percentage of the chart's width, clamped to 0–100."""
    if whole <= 0:
        return 0.0
    return round(min(max(100 * part / whole, 0.0), 100.0), 2)


def _number(value: float) -> str:
    """A coordinate as SVG wants it: "85", "62.5", never "85.0"."""
    return f"{value:g}"


def short_name(name: str, limit: int = 22) -> str:
    """A tool's name short enough to sit beside a marker: a long name loses its parenthesis
    ("Code Llama 4 (70B & 400B)" is "Code Llama 4"), then its end. The chart's label keeps the
    full name."""
    name = " ".join(name.split())
    if len(name) > limit and " (" in name:
        name = name[: name.index(" (")]
    if len(name) <= limit:
        return name
    return name[: limit - 1].rstrip(" &,·-") + "…"


# Persona bars: one bar per reviewer, the score out of 100, coloured by the reviewer's call.

PERSONA_ROW = 34  # px: a line of text, then the bar under it
PERSONA_BAR_Y = 19
PERSONA_BAR_HEIGHT = 9


@dataclass(frozen=True)
class PersonaBar:
    persona: str
    score: int | None  # None: this reviewer has not reviewed the tool yet
    verdict: str | None
    top: int

    @property
    def width(self) -> str:
        return _number(_percent(self.score or 0, 100)) + "%"

    @property
    def text_y(self) -> int:
        return self.top + 13

    @property
    def bar_y(self) -> int:
        return self.top + PERSONA_BAR_Y

    @property
    def value(self) -> str:
        if self.score is None:
            return "not reviewed yet"
        return f"{self.score} · {self.verdict}"

    @property
    def spoken(self) -> str:
        if self.score is None:
            return f"{self.persona} has not reviewed it yet"
        return f"{self.persona} {self.score} out of 100, {self.verdict}"


@dataclass(frozen=True)
class PersonaBars:
    tool: str
    bars: list[PersonaBar]

    @property
    def height(self) -> int:
        return len(self.bars) * PERSONA_ROW

    @property
    def bar_height(self) -> int:
        return PERSONA_BAR_HEIGHT

    @property
    def label(self) -> str:
        scores = "; ".join(bar.spoken for bar in self.bars)
        return f"Reviewer scores for {self.tool}: {scores}."


def persona_bars(tool_name: str, rows: Iterable[tuple[object, object | None]]) -> PersonaBars:
    """Bars for ``rows`` of (persona, review or None), in the panel's order."""
    bars = []
    for index, (persona, review) in enumerate(rows):
        bars.append(
            PersonaBar(
                persona=str(persona),
                score=None if review is None else review.score,
                verdict=None if review is None else review.verdict,
                top=index * PERSONA_ROW,
            )
        )
    return PersonaBars(tool=tool_name, bars=bars)


# Persona strip: one reviewer's scores for every compared tool on a shared 0–100 strip. Each
# tool keeps its own lane (the column order), so equal scores never hide one another.

STRIP_LANE = 30  # px per tool
STRIP_TOP = 4
STRIP_AXIS = 18  # room under the lanes for the 0 / 50 / 100 ticks
STRIP_TICKS = (0, 25, 50, 75, 100)
MARKER_RADIUS = 11


@dataclass(frozen=True)
class StripMarker:
    tool: str
    name: str  # short enough to print beside the marker
    score: int | None
    verdict: str | None
    lane: int

    @property
    def x(self) -> str:
        return _number(_percent(self.score or 0, 100)) + "%"

    @property
    def y(self) -> int:
        return STRIP_TOP + self.lane * STRIP_LANE + STRIP_LANE // 2

    @property
    def label_after(self) -> bool:
        """Low scores print their name to the marker's right, high ones to its left, so a name
        always runs into the strip rather than off its edge."""
        return (self.score or 0) < 50

    @property
    def label_dx(self) -> int:
        gap = MARKER_RADIUS + 5
        return gap if self.label_after else -gap

    @property
    def text_y(self) -> int:
        return self.y + 4  # optical centre of an 11–12px line

    @property
    def spoken(self) -> str:
        if self.score is None:
            return f"{self.tool} not reviewed yet"
        return f"{self.tool} {self.score}, {self.verdict}"


@dataclass(frozen=True)
class PersonaStrip:
    persona: str
    markers: list[StripMarker]

    @property
    def lanes_height(self) -> int:
        return len(self.markers) * STRIP_LANE

    @property
    def height(self) -> int:
        return STRIP_TOP + self.lanes_height + STRIP_AXIS

    @property
    def axis_y(self) -> int:
        return STRIP_TOP + self.lanes_height

    @property
    def tick_label_y(self) -> int:
        return self.axis_y + 14

    @property
    def ticks(self) -> list[dict]:
        return [
            {"x": f"{tick}%", "label": str(tick), "anchor": _tick_anchor(tick)}
            for tick in STRIP_TICKS
        ]

    @property
    def radius(self) -> int:
        return MARKER_RADIUS

    @property
    def label(self) -> str:
        scores = "; ".join(marker.spoken for marker in self.markers)
        return f"The {self.persona}'s scores out of 100: {scores}."


def _tick_anchor(tick: int) -> str:
    return "start" if tick == 0 else "end" if tick == 100 else "middle"


def persona_strip(persona: object, tools: Sequence, reviews: Sequence) -> PersonaStrip:
    """``reviews`` holds one review (or None) per tool, in the column order of ``tools``; a tool
    its reviewer has not reviewed yet gets no lane."""
    reviewed = [(t, r) for t, r in zip(tools, reviews, strict=True) if r is not None]
    markers = [
        StripMarker(
            tool=tool.name,
            name=short_name(tool.name),
            score=review.score,
            verdict=review.verdict,
            lane=lane,
        )
        for lane, (tool, review) in enumerate(reviewed)
    ]
    return PersonaStrip(persona=str(persona), markers=markers)


# Split bars: the panel's ship/skip split and the community's, on the same 0–100% scale.

SPLIT_HEIGHT = 10


@dataclass(frozen=True)
class SplitBar:
    who: str  # "Panel" or "Community"
    ships: int
    skips: int
    percent: int | None  # the ship share the page prints; None: too few votes to show one
    summary: str  # what the page says instead, when there is no share to show

    @property
    def total(self) -> int:
        return self.ships + self.skips

    @property
    def shown(self) -> bool:
        return self.percent is not None

    @property
    def ship_percent(self) -> float:
        """The exact share, for the geometry (the printed figure is rounded)."""
        return _percent(self.ships, self.total) if self.shown else 0.0

    @property
    def ship_width(self) -> str:
        return _number(self.ship_percent) + "%"

    @property
    def skip_x(self) -> str:
        return self.ship_width

    @property
    def skip_width(self) -> str:
        return _number(round(100 - self.ship_percent, 2)) + "%" if self.shown else "0%"

    @property
    def divided(self) -> bool:
        """Both calls have a segment, so a gap between them marks where one ends."""
        return self.shown and self.ships > 0 and self.skips > 0

    @property
    def height(self) -> int:
        return SPLIT_HEIGHT

    @property
    def label(self) -> str:
        if not self.total:
            return f"{self.who}: {self.summary}."
        if not self.shown:
            return f"{self.who}: {self.summary}, too few to show a split."
        if self.who == "Panel":
            return f"Panel: {self.ships} ship, {self.skips} skip ({self.percent}% ship)."
        return f"Community: {self.percent}% ship of {self.total} votes."


def panel_split(panel: PanelVerdict) -> SplitBar:
    return SplitBar(
        who="Panel",
        ships=panel.ships,
        skips=panel.skips,
        percent=panel.ship_percent,
        summary="no reviews yet",
    )


def community_split(community: CommunityFigure) -> SplitBar:
    label = community.label  # "No community votes yet", "3 votes so far", "73% ship · 11 votes"
    return SplitBar(
        who="Community",
        ships=community.ships,
        skips=community.skips,
        percent=community.ship_percent,
        summary="no votes yet" if not community.votes else label,
    )


def split_bar_svg(bar: SplitBar) -> SafeString:
    """The split bar as inline SVG. Drawn here rather than by a template because every vote
    redraws its tool's community bar; f-strings with ``html.escape`` rather than
    ``format_html``, whose per-value escaping cost as much again on the vote's path."""
    h, label = bar.height, escape(bar.label)
    if not bar.shown:
        return mark_safe(  # noqa: S308 - the label is escaped, the rest are numbers
            f'<svg class="split-bar split-bar--empty" width="100%" height="{h}" role="img" '
            f'aria-label="{label}"><rect class="split-bar__track" width="100%" height="{h}"/></svg>'
        )
    x = bar.skip_x
    gap = f'<line class="split-bar__gap" x1="{x}" x2="{x}" y1="0" y2="{h}"/>' if bar.divided else ""
    return mark_safe(  # noqa: S308 - the label is escaped, the rest are numbers
        f'<svg class="split-bar" width="100%" height="{h}" role="img" aria-label="{label}">'
        f'<rect class="split-bar__track" width="100%" height="{h}"/>'
        f'<rect class="split-bar__ship" width="{bar.ship_width}" height="{h}"/>'
        f'<rect class="split-bar__skip" x="{x}" width="{bar.skip_width}" height="{h}"/>{gap}</svg>'
    )
