"""``{% bulk_macros as templates %}``: the reply templates and macros the member may apply, for
the queue's bulk actions (the queue lives below knowledge and so cannot read templates)."""

from django import template

from knowledge.selectors import reply_templates_usable_by

register = template.Library()


@register.simple_tag(takes_context=True)
def bulk_macros(context) -> list[tuple[int, str]]:
    """``(pk, name)`` of the usable templates, by name (one query). Precondition: a member's
    page, the tenant scope active."""
    member = context.get("membership")
    if member is None:
        return []
    templates = reply_templates_usable_by(member).order_by("name")
    return list(templates.values_list("pk", "name"))
