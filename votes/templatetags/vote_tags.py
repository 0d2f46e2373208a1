"""``{% load vote_tags %}``: ``{% vote_widget tool %}``, or ``{% vote_widget tool detail=True %}``
on the tool's own page (see ``votes.widget``)."""

from django import template
from django.utils.safestring import SafeString

from votes.widget import vote_widget as draw

register = template.Library()


@register.simple_tag(name="vote_widget", takes_context=True)
def vote_widget(context, tool, detail: bool = False) -> SafeString:
    request = context.get("request")
    return_to = context.get("return_to") or (request.get_full_path() if request else "")
    return draw(
        tool,
        csrf_token=context.get("csrf_token"),
        return_to=return_to,
        detail=detail,
    )
