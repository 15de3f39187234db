"""Escalation triggers besides time (seed 004): repeat complaint, VIP, angry wording."""

from datetime import timedelta

from django.utils.translation import gettext as _

from tickets.models import Ticket

from .models import EscalationRules


def rules_for(tenant_id: int) -> EscalationRules:
    return EscalationRules.objects.get_or_create(tenant_id=tenant_id)[0]


def escalation_reasons(ticket: Ticket) -> list[str]:
    """Why this new ticket should go straight to a senior agent / team lead, if at all."""
    rules = rules_for(ticket.tenant_id)
    reasons = []
    if ticket.category_id and ticket.category.is_complaint and _is_repeat_complaint(ticket, rules):
        reasons.append(
            _("repeat complaint within %(days)s days") % {"days": rules.repeat_complaint_days}
        )
    tier = ticket.customer.effective_tier
    if rules.escalate_vip and tier is not None and tier.is_vip:
        reasons.append(_("%(tier)s customer") % {"tier": tier.name})
    text = f"{ticket.subject}\n{ticket.description}".lower()
    angry = [word for word in rules.angry_word_list if word in text]
    if angry:
        reasons.append(_("angry wording: %(words)s") % {"words": ", ".join(angry[:5])})
    return reasons


def _is_repeat_complaint(ticket: Ticket, rules: EscalationRules) -> bool:
    since = ticket.created_at - timedelta(days=rules.repeat_complaint_days)
    return (
        Ticket.objects.filter(
            customer_id=ticket.customer_id, category__is_complaint=True, created_at__gte=since
        )
        .exclude(pk=ticket.pk)
        .exists()
    )
