"""``{% load verdict_charts %}``: the inline SVG charts of ``comparisons.charts``, drawn by the
templates in ``templates/comparisons/charts/`` (split bars by ``charts.split_bar_svg``)."""

from django import template
from django.utils.safestring import SafeString

from comparisons import charts

register = template.Library()


@register.inclusion_tag("comparisons/charts/persona_bars.html")
def persona_bars(tool, rows=None) -> dict:
    """``{% persona_bars tool panel_rows %}``: a bar per reviewer. ``rows`` are (persona, review
    or None) in panel order; without them, the tool's prefetched reviews."""
    if rows is None:
        rows = [(review.persona, review) for review in tool.reviews.all()]
    return {"chart": charts.persona_bars(tool.name, rows)}


@register.inclusion_tag("comparisons/charts/persona_strip.html")
def persona_strip(row, tools) -> dict:
    """``{% persona_strip scorecard_row page.tools %}``: one reviewer's scores for every tool."""
    return {"chart": charts.persona_strip(row.persona.name, tools, row.reviews)}


@register.simple_tag
def panel_bar(tool) -> SafeString:
    """``{% panel_bar tool %}``: the panel's ship/skip split."""
    return charts.split_bar_svg(charts.panel_split(tool.panel))


@register.simple_tag
def community_bar(tool) -> SafeString:
    """``{% community_bar tool %}``: the community's ship/skip split, once it has enough votes."""
    return charts.split_bar_svg(charts.community_split(tool.community))
