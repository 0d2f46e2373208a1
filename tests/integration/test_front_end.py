"""The front end as a visitor meets it: the theme is set before the first paint, every page has
one h1 and its landmarks, controls have names, the charts carry the right numbers in words, and
both themes' colours meet WCAG AA."""

import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from comparisons.models import Tool
from tests.factories import comparison_of, make_user, reviewed_tool
from votes.models import Vote
from votes.services import bookmark_add

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
SEED = "/compare/code-llama-4-vs-mistral-3-small/"
PUBLIC_PAGES = [
    "/",
    "/tools/",
    "/tools/code-llama-4/",
    SEED,
    "/panel/",
    "/panel/builder/",
    "/how-votes-are-counted/",
    "/accounts/login/",
    "/accounts/signup/",
    "/admin/login/",
]


class Page(HTMLParser):
    """The parts of a page these tests look at: elements with their attributes and the text of
    headings, in document order."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None], int]] = []  # tag, attrs, labels open
        self.headings: list[tuple[str, str]] = []
        self._labels = 0
        self._heading: list | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), self._labels))
        if tag == "label":
            self._labels += 1
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [tag, ""]

    def handle_endtag(self, tag):
        if tag == "label":
            self._labels -= 1
        if self._heading and tag == self._heading[0]:
            self.headings.append((self._heading[0], " ".join(self._heading[1].split())))
            self._heading = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data

    def all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs, _ in self.elements if name == tag]


def page_of(response) -> Page:
    assert response.status_code == 200, response.status_code
    return Page(response.content.decode())


@pytest.fixture
def pages(client, demo):
    """Every public page, and the bookmarks page of a user with two bookmarks."""
    rendered = {path: client.get(path) for path in PUBLIC_PAGES}
    user = make_user()
    for slug in ("code-llama-4", "mistral-3-small"):
        bookmark_add(user_id=user.pk, tool=Tool.objects.get(slug=slug))
    client.force_login(user)
    rendered["/bookmarks/"] = client.get("/bookmarks/")
    client.logout()
    return rendered


# The theme


def test_the_theme_script_runs_in_the_head_before_the_stylesheet(client, demo):
    html = client.get("/").content.decode()
    head = html[: html.index("</head>")]
    script = re.search(r'<script src="(/static/js/theme\.js)"></script>', head)
    stylesheet = re.search(r'<link rel="stylesheet" href="/static/css/site\.css">', head)
    assert script and stylesheet, "theme.js and site.css are both in <head>"
    assert script.start() < stylesheet.start(), "the theme is set before the stylesheet paints"
    assert finders.find("js/theme.js"), "the script the page loads exists among the static files"


def test_the_theme_toggle_is_a_real_button_that_stays_hidden_without_javascript(client, demo):
    page = page_of(client.get("/"))
    (toggle,) = [attrs for attrs in page.all("button") if attrs.get("id") == "theme-toggle"]
    assert toggle["type"] == "button"
    assert toggle["aria-pressed"] == "false"
    assert "hidden" in toggle  # theme.js shows it; without JavaScript the system theme rules
    html = client.get("/").content.decode()
    assert '<span class="visually-hidden">Dark theme</span>' in html


def test_the_stylesheets_two_dark_palettes_are_the_same():
    css = (ROOT / "static/css/site.css").read_text()
    assert palette(css, "dark-system") == palette(css, "dark-toggle")
    assert palette(css, "light").keys() == palette(css, "dark-toggle").keys()


# Structure and accessibility


def test_every_page_has_exactly_one_h1(pages):
    for path, response in pages.items():
        headings = page_of(response).headings
        assert [tag for tag, _ in headings].count("h1") == 1, (path, headings)


def test_headings_never_skip_a_level(pages):
    for path, response in pages.items():
        if path.startswith("/admin/"):
            continue
        levels = [int(tag[1]) for tag, _ in page_of(response).headings]
        for previous, level in zip(levels, levels[1:], strict=False):
            assert level <= previous + 1, (path, page_of(response).headings)


def test_every_page_has_its_landmarks_a_skip_link_and_a_live_region_inside_main(pages):
    for path, response in pages.items():
        if path.startswith("/admin/"):
            continue
        page = page_of(response)
        tags = [tag for tag, _, _ in page.elements]
        for landmark in ("header", "nav", "main", "aside", "footer"):
            assert landmark in tags, (path, landmark)
        first_link = page.all("a")[0]
        assert first_link["href"] == "#main" and first_link["class"] == "skip-link"
        assert [a for a in page.all("main") if a.get("id") == "main"]
        main_at = tags.index("main")
        live = next(i for i, (_, a, _) in enumerate(page.elements) if a.get("id") == "live-region")
        assert live > main_at
        assert page.elements[live][1]["aria-live"] == "polite"


def test_ids_are_unique_on_every_page(pages):
    for path, response in pages.items():
        ids = [attrs["id"] for _, attrs, _ in page_of(response).elements if attrs.get("id")]
        duplicates = {i for i in ids if ids.count(i) > 1}
        assert not duplicates, (path, duplicates)


def test_every_form_control_has_a_name(pages):
    for path, response in pages.items():
        page = page_of(response)
        labelled = {attrs.get("for") for attrs in page.all("label")}
        for tag, attrs, inside_label in page.elements:
            if tag not in ("input", "select", "textarea"):
                continue
            if attrs.get("type") in ("hidden", "submit", "button"):
                continue
            named = (
                inside_label
                or attrs.get("id") in labelled
                or attrs.get("aria-label")
                or attrs.get("aria-labelledby")
            )
            assert named, (path, tag, attrs)


def test_no_page_needs_inline_styles_or_scripts(pages):
    """The Content-Security-Policy allows neither: a page that used one would break."""
    for path, response in pages.items():
        if path.startswith("/admin/"):
            continue
        html = response.content.decode()
        assert " style=" not in html, path
        assert "<style" not in html, path
        for script in re.findall(r"<script\b[^>]*>", html):
            assert " src=" in script or 'type="application/ld+json"' in script, (path, script)


def test_vote_and_bookmark_toggles_say_whether_they_are_pressed(client, demo):
    page = page_of(client.get("/tools/code-llama-4/"))
    votes = [a for a in page.all("button") if "vote-button" in (a.get("class") or "")]
    assert [a["aria-pressed"] for a in votes] == ["false", "false"]
    # Stable ids let htmx put focus back on the pressed button after it swaps the widget.
    assert [a["id"] for a in votes] == ["vote-code-llama-4-ship", "vote-code-llama-4-skip"]
    (bookmark,) = [a for a in page.all("button") if "bookmark-button" in (a.get("class") or "")]
    assert bookmark["aria-pressed"] == "false" and bookmark["id"] == "bookmark-code-llama-4-button"


def test_the_decision_table_scrolls_by_keyboard_and_keeps_its_header(client, demo):
    page = page_of(client.get(SEED))
    (region,) = [a for a in page.all("div") if "table-scroll--sticky" in (a.get("class") or "")]
    assert region["role"] == "region" and region["tabindex"] == "0"
    assert region["aria-label"] == "Decision table"  # a name of its own, unlike its section
    (table,) = page.all("table")
    assert "decision-table--compare" in table["class"] and "decision-table--2" in table["class"]


# Charts


def test_the_tool_page_draws_the_four_reviewers_scores(client, demo):
    html = client.get("/tools/code-llama-4/").content.decode()
    assert (
        'role="img" aria-label="Reviewer scores for Code Llama 4 (70B &amp; 400B): '
        "Builder 85 out of 100, ship; Skeptic 78 out of 100, ship; "
        'Futurist 82 out of 100, ship; Founder 74 out of 100, ship."'
    ) in html
    widths = re.findall(r'<rect class="persona-bars__fill" y="\d+" width="([\d.]+%)"', html)
    assert widths == ["85%", "78%", "82%", "74%"]


def test_the_tool_page_sets_the_community_split_beside_the_panels(client):
    tool = reviewed_tool("ship skip ship ship", community_ships=8, community_skips=3)
    html = client.get(tool.get_absolute_url()).content.decode()
    assert 'aria-label="Panel: 3 ship, 1 skip (75% ship)."' in html
    assert 'aria-label="Community: 73% ship of 11 votes."' in html
    assert '<rect class="split-bar__ship" width="72.73%"' in html
    assert "73% ship · 11 votes" in html  # the same figure in words beside the bar


def test_a_tool_card_shows_no_community_split_before_the_threshold(client):
    reviewed_tool(slug="new-tool", community_ships=2, community_skips=1)
    html = client.get("/tools/").content.decode()
    card = html[html.index('id="tool-card-new-tool"') :]
    card = card[: card.index("</article>")]
    assert "split-bar--empty" in card
    assert 'aria-label="Community: 3 votes so far, too few to show a split."' in card


def test_a_comparison_puts_each_reviewers_scores_for_every_tool_on_one_strip(client, demo):
    html = client.get(SEED).content.decode()
    strips = re.findall(r'<svg class="strip"[^>]*aria-label="([^"]*)"', html)
    assert strips == [
        "The Builder&#x27;s scores out of 100: Code Llama 4 (70B &amp; 400B) 85, ship; "
        "Mistral 3 Small (22B) 85, ship.",
        "The Skeptic&#x27;s scores out of 100: Code Llama 4 (70B &amp; 400B) 78, ship; "
        "Mistral 3 Small (22B) 78, ship.",
        "The Futurist&#x27;s scores out of 100: Code Llama 4 (70B &amp; 400B) 82, ship; "
        "Mistral 3 Small (22B) 82, ship.",
        "The Founder&#x27;s scores out of 100: Code Llama 4 (70B &amp; 400B) 74, ship; "
        "Mistral 3 Small (22B) 72, ship.",
    ]
    founder = html[html.index("The Founder&#x27;s scores") :]
    assert re.findall(r'<circle class="strip__dot" cx="([\d.]+%)"', founder)[:2] == ["74%", "72%"]


def test_comparison_cards_head_their_own_section_under_the_h1(client):
    first, second = reviewed_tool(), reviewed_tool()
    comparison_of(first, second)
    page = page_of(client.get(f"/compare/{first.slug}-vs-{second.slug}/"))
    assert [tag for tag, _ in page.headings[:3]] == ["h1", "h2", "h2"]


def test_a_vote_updates_the_community_bar_in_place(client):
    tool = reviewed_tool(community_ships=4, community_skips=0)
    Vote.objects.bulk_create(
        Vote(tool=tool, anonymous_id=uuid.uuid4(), value="ship") for _ in "1234"
    )
    response = client.post(
        f"/votes/{tool.slug}/", {"value": "skip"}, headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    oob = content[content.index(f'hx-swap-oob="innerHTML:.community-bar--{tool.slug}"') :]
    assert 'aria-label="Community: 80% ship of 5 votes."' in oob
    assert '<rect class="split-bar__ship" width="80%"' in oob
    assert 'hx-swap-oob="innerHTML:#live-region">Skip vote counted — 80% ship' in content


# Colour contrast (WCAG 2.2 AA) in both themes

TEXT_PAIRS = [  # (foreground, background): text at least 4.5:1
    *[("text", bg) for bg in ("bg", "surface", "surface-2", "ship-bg", "skip-bg", "split-bg")],
    ("text", "accent-soft"),
    *[("muted", bg) for bg in ("bg", "surface", "surface-2")],
    *[("accent", bg) for bg in ("bg", "surface", "surface-2", "accent-soft")],
    ("accent-text", "accent"),
    ("accent-text", "accent-hover"),
    ("accent-hover", "accent-soft"),
    *[("ship", bg) for bg in ("ship-bg", "surface", "surface-2")],
    *[("skip", bg) for bg in ("skip-bg", "surface", "surface-2")],
    *[("split", bg) for bg in ("split-bg", "surface", "surface-2")],
    ("on-ship-fill", "ship-fill"),
    ("on-skip-fill", "skip-fill"),
]
UI_PAIRS = [  # (mark, neighbour): controls, focus rings and chart marks at least 3:1
    *[("border-strong", bg) for bg in ("bg", "surface", "surface-2")],
    *[("focus", bg) for bg in ("bg", "surface", "surface-2", "accent-soft")],
    *[("ship-fill", bg) for bg in ("surface", "surface-2", "surface-3")],
    *[("skip-fill", bg) for bg in ("surface", "surface-2", "surface-3")],
    ("ship-fill", "skip-soft"),  # the two segments of a split bar
    ("ship", "ship-bg"),
    ("skip", "skip-bg"),
]


def palette(css: str, which: str) -> dict[str, str]:
    """The colour tokens of one theme in site.css."""
    starts = {
        "light": ":root {",
        "dark-system": ':root:not([data-theme="light"]) {',
        "dark-toggle": ':root[data-theme="dark"] {',
    }
    block = css[css.index(starts[which]) :]
    block = block[: block.index("}")]
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark-toggle"])
def test_every_colour_pair_meets_wcag_aa(theme):
    colours = palette((ROOT / "static/css/site.css").read_text(), theme)
    failures = [
        f"{fg} on {bg}: {contrast(colours[fg], colours[bg]):.2f} < {minimum}"
        for pairs, minimum in ((TEXT_PAIRS, 4.5), (UI_PAIRS, 3.0))
        for fg, bg in pairs
        if contrast(colours[fg], colours[bg]) < minimum
    ]
    assert not failures, failures


def test_the_embedded_badge_image_reserves_the_size_it_is_drawn_at(client, demo):
    html = client.get("/tools/code-llama-4/").content.decode()
    img = re.search(r'<img src="http://testserver/badge/code-llama-4\.svg"[^>]*>', html).group(0)
    svg = client.get("/badge/code-llama-4.svg").content.decode()
    width = re.search(r'<svg [^>]*width="(\d+)" height="20"', svg).group(1)
    assert f'width="{width}" height="20"' in img
