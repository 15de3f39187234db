"""``{% entitlement_badges unit %}``: what a unit's warranty and contracts cover today, as
badges ("In warranty until 2027-03-01", "Out of warranty", "Gold contract: on-site 24 h").

One query for the unit's contracts (the unit and its product are loaded by the page)."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from products.entitlement import unit_entitlement
from products.models import Unit

register = template.Library()


@register.simple_tag
def entitlement_badges(unit: Unit | None) -> SafeString:
    entitlement = unit_entitlement(unit)
    labels = entitlement.badges
    if not labels:
        return SafeString("")
    warranty_class = "warranty-in" if entitlement.in_warranty else "warranty-out"
    classes = [warranty_class] + ["contract"] * (len(labels) - 1)
    return format_html_join(
        " ", '<span class="badge {}">{}</span>', zip(classes, labels, strict=True)
    )
