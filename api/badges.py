"""The live verdict badge: a shields.io-style SVG of a tool's panel verdict, to embed anywhere."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.views.decorators.http import require_safe

from comparisons.models import Tool
from comparisons.verdicts import PanelVerdict

BRAND = "Ship or Skip"
CACHE_SECONDS = 3600
UNKNOWN_CACHE_SECONDS = 300  # a draft published a few minutes later should not wait an hour
PADDING = 6  # each side of a text

# (background, text) per part, light and dark; "label" is the left part. The hues of site.css,
# but for a lighter amber on a light split: its own amber reads as brown at badge size.
COLOURS = {
    "light": {
        "label": ("#555555", "#ffffff"),
        "ship": ("#146c43", "#ffffff"),
        "skip": ("#a3281e", "#ffffff"),
        "split": ("#9a6700", "#ffffff"),
        None: ("#575c63", "#ffffff"),
    },
    "dark": {
        "label": ("#23272c", "#eceef0"),
        "ship": ("#173a29", "#6fd9a0"),
        "skip": ("#46201c", "#ff968a"),
        "split": ("#3d3115", "#f3c969"),
        None: ("#33383f", "#a6adb5"),
    },
}
THEMES = tuple(COLOURS)

# Rough advance widths of 11px Verdana, enough to size the badge; textLength makes it exact.
_NARROW = set("fijlrtI.,:;!|'·() ")
_WIDE = set("mwMW%")


def text_width(text: str) -> int:
    width = sum(
        3.9 if c in _NARROW else 9.9 if c in _WIDE else 7.6 if c.isupper() else 6.9 for c in text
    )
    return math.ceil(width)


def verdict_text(panel: PanelVerdict) -> str:
    """'Ship · 82/100', or 'No verdict yet' before any review."""
    if panel.verdict is None or panel.average_score is None:
        return panel.label
    return f"{panel.label} · {panel.average_score}/100"


@dataclass(frozen=True)
class Part:
    text: str
    x: int
    width: int
    background: str
    colour: str

    @property
    def text_length(self) -> int:
        return self.width - 2 * PADDING

    @property
    def middle(self) -> float:
        return self.x + self.width / 2


def _parts(message: str, verdict: str | None, theme: str) -> tuple[Part, Part]:
    colours = COLOURS[theme]
    left_width = text_width(BRAND) + 2 * PADDING
    left = Part(BRAND, 0, left_width, *colours["label"])
    right = Part(message, left_width, text_width(message) + 2 * PADDING, *colours[verdict])
    return left, right


def badge_width(message: str) -> int:
    """How wide the badge saying ``message`` is drawn (20 px high), so a page reserves its place."""
    left, right = _parts(message, None, "light")
    return left.width + right.width


def _svg(
    request: HttpRequest,
    *,
    message: str,
    verdict: str | None,
    title: str,
    theme: str,
    status: int,
    max_age: int,
) -> HttpResponse:
    left, right = _parts(message, verdict, theme)
    context = {
        "left": left,
        "right": right,
        "width": left.width + right.width,
        "title": title,
        "label": f"{BRAND}: {message}",
        "shadow": theme == "light",
    }
    response = render(
        request, "api/badge.svg", context, content_type="image/svg+xml", status=status
    )
    patch_cache_control(response, public=True, max_age=max_age)
    # Opened on its own, the SVG is a document of our origin: it may run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@require_safe
def badge(request: HttpRequest, slug: str) -> HttpResponse:
    """A published tool's panel verdict and average score today, as an SVG badge."""
    theme = request.GET.get("theme", "light")
    if theme not in THEMES:
        return HttpResponseBadRequest(
            f"Unknown theme '{theme[:40]}': use theme=dark, or leave theme out for the light "
            "badge.\n",
            content_type="text/plain; charset=utf-8",
        )
    tool = Tool.objects.published().with_panel().filter(slug=slug).first()
    if tool is None:
        return _svg(
            request,
            message="unknown tool",
            verdict=None,
            title=f"{BRAND}: no published tool has this name",
            theme=theme,
            status=404,
            max_age=UNKNOWN_CACHE_SECONDS,
        )
    panel = tool.panel
    message = verdict_text(panel)
    return _svg(
        request,
        message=message,
        verdict=panel.verdict,
        title=f"{BRAND} verdict for {tool.name}: {message}",
        theme=theme,
        status=200,
        max_age=CACHE_SECONDS,
    )


@dataclass(frozen=True)
class BadgeEmbed:
    """What a page needs to offer a tool's badge for embedding elsewhere."""

    image_url: str
    page_url: str
    alt: str
    width: int

    @property
    def markdown(self) -> str:
        alt = self.alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        return f"[![{alt}]({self.image_url})]({self.page_url})"

    @property
    def html(self) -> str:
        # A plain str: the template escapes it once more, to show it as text.
        return (
            f'<a href="{escape(self.page_url)}">'
            f'<img src="{escape(self.image_url)}" alt="{escape(self.alt)}" height="20"></a>'
        )


def badge_embed(tool: Tool, request: HttpRequest | None) -> BadgeEmbed:
    """Absolute addresses when there is a request to build them from (no query either way)."""

    def absolute(path: str) -> str:
        return request.build_absolute_uri(path) if request is not None else path

    return BadgeEmbed(
        image_url=absolute(reverse("badges:badge", args=[tool.slug])),
        page_url=absolute(tool.get_absolute_url()),
        alt=f"{BRAND} verdict for {tool.name}",
        width=badge_width(verdict_text(tool.panel)),
    )
