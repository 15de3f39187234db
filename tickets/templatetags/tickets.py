from django import template

from tickets.rendering import render_body

register = template.Library()


@register.filter(name="render_body")
def render_body_filter(text: str):
    return render_body(text)
