from django import template

from api.badges import BadgeEmbed, badge_embed
from comparisons.models import Tool

register = template.Library()


@register.simple_tag(takes_context=True)
def verdict_badge(context: template.Context, tool: Tool) -> BadgeEmbed:
    """``{% verdict_badge tool as badge %}``: the badge's absolute addresses and embed snippets."""
    return badge_embed(tool, context.get("request"))
