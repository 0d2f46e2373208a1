"""The server-drawn charts: every bar and marker sits where its number says, and every chart says
its numbers in words."""

import re
from types import SimpleNamespace

from django.template import Context, Template

from comparisons import charts
from comparisons.verdicts import CommunityFigure, PanelVerdict


def review(score: int, verdict: str) -> SimpleNamespace:
    return SimpleNamespace(score=score, verdict=verdict)


def tool(name: str, **fields) -> SimpleNamespace:
    return SimpleNamespace(name=name, **fields)


def svg_attributes(svg: str, css_class: str) -> list[dict[str, str]]:
    """The attributes of every element with ``css_class`` in ``svg``, in document order."""
    elements = re.findall(rf'<\w+ class="{css_class}"([^>]*)>', svg)
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', attrs)) for attrs in elements]


# Persona bars


def test_each_reviewers_bar_is_as_long_as_their_score():
    chart = charts.persona_bars(
        "Code Llama 4",
        [
            ("Builder", review(85, "ship")),
            ("Skeptic", review(40, "skip")),
            ("Futurist", review(100, "ship")),
            ("Founder", review(0, "skip")),
        ],
    )
    assert [bar.width for bar in chart.bars] == ["85%", "40%", "100%", "0%"]
    assert [bar.value for bar in chart.bars] == ["85 · ship", "40 · skip", "100 · ship", "0 · skip"]


def test_persona_bars_stack_one_row_per_reviewer_without_overlapping():
    chart = charts.persona_bars("X", [(name, review(50, "ship")) for name in "ABCD"])
    tops = [bar.top for bar in chart.bars]
    assert tops == [0, charts.PERSONA_ROW, 2 * charts.PERSONA_ROW, 3 * charts.PERSONA_ROW]
    for bar in chart.bars:
        assert bar.text_y < bar.bar_y < bar.bar_y + chart.bar_height <= bar.top + charts.PERSONA_ROW
    assert chart.height == 4 * charts.PERSONA_ROW


def test_persona_bars_say_every_score_and_call_in_words():
    chart = charts.persona_bars(
        "Code Llama 4", [("Builder", review(85, "ship")), ("Skeptic", review(40, "skip"))]
    )
    assert chart.label == (
        "Reviewer scores for Code Llama 4: Builder 85 out of 100, ship; "
        "Skeptic 40 out of 100, skip."
    )


def test_a_reviewer_who_has_not_reviewed_gets_an_empty_bar_and_says_so():
    chart = charts.persona_bars("X", [("Builder", review(70, "ship")), ("Founder", None)])
    founder = chart.bars[1]
    assert founder.width == "0%" and founder.value == "not reviewed yet"
    assert "Founder has not reviewed it yet" in chart.label


def test_the_persona_bars_template_draws_the_computed_widths_and_label():
    rendered = Template("{% load verdict_charts %}{% persona_bars tool rows %}").render(
        Context(
            {
                "tool": tool("A & B"),
                "rows": [("Builder", review(85, "ship")), ("Skeptic", review(40, "skip"))],
            }
        )
    )
    assert 'role="img"' in rendered
    assert 'aria-label="Reviewer scores for A &amp; B: Builder 85 out of 100, ship;' in rendered
    fills = svg_attributes(rendered, "persona-bars__fill")
    assert [fill["width"] for fill in fills] == ["85%", "40%"]
    assert "persona-bars__row--skip" in rendered
    assert "style=" not in rendered  # the Content-Security-Policy allows no inline styles


# Persona strip


def test_each_tool_sits_on_the_strip_at_its_score_in_its_own_lane():
    tools = [tool("Alpha"), tool("Beta"), tool("Gamma")]
    strip = charts.persona_strip(
        "Founder", tools, [review(74, "ship"), review(74, "ship"), review(20, "skip")]
    )
    assert [m.x for m in strip.markers] == ["74%", "74%", "20%"]
    # Equal scores never hide each other: each tool has its own lane.
    assert len({m.y for m in strip.markers}) == 3
    assert strip.axis_y == charts.STRIP_TOP + 3 * charts.STRIP_LANE
    assert all(m.y + charts.MARKER_RADIUS <= strip.axis_y for m in strip.markers)


def test_names_run_into_the_strip_never_off_its_edge():
    tools = [tool("Low"), tool("High")]
    low, high = charts.persona_strip("B", tools, [review(5, "skip"), review(97, "ship")]).markers
    assert low.label_after and low.label_dx > 0
    assert not high.label_after and high.label_dx < 0


def test_the_strip_says_each_tools_score_and_call_with_full_names():
    tools = [tool("Code Llama 4 (70B & 400B)"), tool("Mistral 3 Small (22B)")]
    strip = charts.persona_strip("Founder", tools, [review(74, "ship"), review(72, "ship")])
    assert strip.label == (
        "The Founder's scores out of 100: Code Llama 4 (70B & 400B) 74, ship; "
        "Mistral 3 Small (22B) 72, ship."
    )
    assert [m.name for m in strip.markers] == ["Code Llama 4", "Mistral 3 Small (22B)"]


def test_a_tool_without_this_reviewers_review_gets_no_lane():
    tools = [tool("Alpha"), tool("Beta"), tool("Gamma")]
    strip = charts.persona_strip("Builder", tools, [review(60, "ship"), None, review(30, "skip")])
    assert [(m.tool, m.lane) for m in strip.markers] == [("Alpha", 0), ("Gamma", 1)]
    assert "Beta" not in strip.label


def test_the_strip_template_draws_skips_as_squares_and_ships_as_circles():
    row = SimpleNamespace(
        persona=SimpleNamespace(name="Skeptic"), reviews=[review(78, "ship"), review(35, "skip")]
    )
    rendered = Template("{% load verdict_charts %}{% persona_strip row tools %}").render(
        Context({"row": row, "tools": [tool("Alpha"), tool("Beta")]})
    )
    assert re.search(r'<circle class="strip__dot" cx="78%"', rendered)
    assert re.search(r'<rect class="strip__dot" x="35%"', rendered)
    scores = re.findall(r'<text class="strip__score"[^>]*>(\d+)</text>', rendered)
    assert scores == ["78", "35"]
    assert 'aria-label="The Skeptic&#x27;s scores out of 100: Alpha 78, ship; Beta 35, skip."' in (
        rendered
    )


def test_short_names_drop_the_parenthesis_then_the_end():
    assert charts.short_name("Claude Code") == "Claude Code"
    assert charts.short_name("Code Llama 4 (70B & 400B)") == "Code Llama 4"
    long = charts.short_name("NVIDIA Jetson Orin Nano Super Developer Kit")
    assert long.endswith("…") and len(long) <= 22


# Split bars: panel and community


def test_the_panel_bar_splits_at_the_panels_ship_share():
    bar = charts.panel_split(PanelVerdict(ships=3, skips=1, average=70))
    assert (bar.ship_width, bar.skip_x, bar.skip_width) == ("75%", "75%", "25%")
    assert bar.label == "Panel: 3 ship, 1 skip (75% ship)."
    assert bar.divided


def test_a_unanimous_panel_fills_the_bar_with_one_colour():
    bar = charts.panel_split(PanelVerdict(ships=0, skips=4, average=30))
    assert (bar.ship_width, bar.skip_width) == ("0%", "100%")
    assert not bar.divided
    assert bar.label == "Panel: 0 ship, 4 skip (0% ship)."


def test_thirds_are_drawn_exactly_and_said_as_the_page_rounds_them():
    bar = charts.community_split(CommunityFigure(ships=2, skips=1, threshold=3))
    assert (bar.ship_width, bar.skip_width) == ("66.67%", "33.33%")
    assert bar.label == "Community: 67% ship of 3 votes."


def test_the_community_bar_uses_the_same_percentage_as_the_community_figure():
    figure = CommunityFigure(ships=8, skips=3, threshold=5)
    bar = charts.community_split(figure)
    assert figure.label == "73% ship · 11 votes"
    assert bar.ship_width == "72.73%"
    assert bar.label == "Community: 73% ship of 11 votes."


def test_below_the_threshold_the_community_bar_shows_no_split():
    bar = charts.community_split(CommunityFigure(ships=3, skips=0, threshold=5))
    assert not bar.shown
    assert (bar.ship_width, bar.skip_width) == ("0%", "0%")
    assert bar.label == "Community: 3 votes so far, too few to show a split."


def test_with_no_votes_the_community_bar_says_so():
    bar = charts.community_split(CommunityFigure(ships=0, skips=0, threshold=5))
    assert bar.label == "Community: no votes yet."


def test_the_split_bar_tags_draw_both_segments_or_an_empty_outline():
    template = Template("{% load verdict_charts %}{% panel_bar tool %}|{% community_bar tool %}")
    rendered = template.render(
        Context(
            {
                "tool": tool(
                    "X",
                    panel=PanelVerdict(ships=1, skips=3, average=40),
                    community=CommunityFigure(ships=1, skips=1, threshold=5),
                )
            }
        )
    )
    panel, community = rendered.split("|")
    assert svg_attributes(panel, "split-bar__ship")[0]["width"] == "25%"
    assert svg_attributes(panel, "split-bar__skip")[0] == {
        "x": "25%",
        "width": "75%",
        "height": "10",
    }
    assert 'aria-label="Panel: 1 ship, 3 skip (25% ship)."' in panel
    assert "split-bar--empty" in community and "split-bar__ship" not in community
    assert 'aria-label="Community: 2 votes so far, too few to show a split."' in community
