"""``{% surveys_panel ticket %}``: survey answers and follow-ups on the ticket page,
``{% customer_satisfaction customer %}``: the customer's latest scores in its customer panel,
and ``{% follow_up_badge follow_up %}``: a follow-up's due time in the SLA badge's colours."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from helpdesk.platform.view_helpers import duration_text

from ..forms import FollowUpLogForm
from ..selectors import customer_latest_scores, survey_panel_for_ticket

register = template.Library()


@register.inclusion_tag("surveys/_ticket_panel.html", takes_context=True)
def surveys_panel(context, ticket) -> dict:
    """Two queries whatever the number of rows (invitations with answers, follow-ups); the
    scheduling form, with its member list, is fetched only when asked for."""
    return {
        "ticket": ticket,
        "panel": survey_panel_for_ticket(ticket=ticket),
        "log_form": FollowUpLogForm(),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.inclusion_tag("surveys/_customer_satisfaction.html")
def customer_satisfaction(customer) -> dict:
    return {"responses": customer_latest_scores(customer=customer)}


@register.simple_tag
def follow_up_badge(follow_up) -> str:
    colour = follow_up.colour()
    labels = {
        "green": _("On track"),
        "amber": _("Due soon"),
        "red": _("Overdue"),
        "met": _("Done"),
        "none": follow_up.get_status_display(),
    }
    text = labels[colour]
    if follow_up.is_pending:
        left = (follow_up.due_at - timezone.now()).total_seconds()
        time_text = (_("%(time)s left") if left >= 0 else _("overdue by %(time)s")) % {
            "time": duration_text(left)
        }
        text = f"{text} · {time_text}"
    return format_html(
        '<span class="sla-badge sla-{}" title="{}"><span class="sla-dot" aria-hidden="true">'
        "</span>{}</span>",
        colour,
        date_format(timezone.localtime(follow_up.due_at), "Y-m-d H:i"),
        text,
    )
