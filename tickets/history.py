"""A ticket's history as a reader sees it.

The audit rows store codes (an action, a field, a reason, "System" as the actor of automatic
changes) so that a row reads in the language of whoever opens the page, not of whoever caused
it. This module turns each code into its label at display time.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpdesk.audit import actor_display
from tickets.models import Priority, Status, TicketEvent

ACTION_LABELS = {
    "created": gettext_lazy("created the ticket"),
    "reply": gettext_lazy("replied to the customer"),
    "note": gettext_lazy("added an internal note"),
    "customer_reply": gettext_lazy("customer replied"),
    "status": gettext_lazy("changed the status"),
    "reopened": gettext_lazy("reopened the ticket"),
    "changed": gettext_lazy("changed"),
    "assigned": gettext_lazy("changed the assignee"),
    "transferred": gettext_lazy("transferred the ticket"),
    "merged_in": gettext_lazy("merged another ticket into this one"),
    "merged_into": gettext_lazy("merged this ticket into another"),
    "personal_data_erased": gettext_lazy("erased the customer's personal data"),
    # A tenant's trigger (automations.engine): its actor label names it.
    "trigger_fired": gettext_lazy("fired on this ticket"),
    "automation_fired": gettext_lazy("fired on this ticket"),
    "rule_refused": gettext_lazy("could not act on this ticket; its changes were undone"),
    "sla_target": gettext_lazy("set this ticket's own SLA target"),
    # The SLA sweeper's checkpoints ("sla_" + level) and a rule's escalation (sla.services).
    "sla_warning": gettext_lazy("warned that an SLA target is near"),
    "sla_breach": gettext_lazy("recorded a missed SLA target"),
    "sla_manager": gettext_lazy("escalated a missed SLA target to the managers"),
    "escalated": gettext_lazy("escalated the ticket"),
    # Spare parts moved for the ticket (repairs.services).
    "stock_reserved": gettext_lazy("reserved a spare part"),
    "stock_released": gettext_lazy("released a reserved spare part"),
    "stock_consumed": gettext_lazy("used a spare part"),
    "stock_returned": gettext_lazy("returned a spare part to stock"),
    # Repair quotes (repairs.quotes), surveys and follow-ups (surveys), quality checks (reports).
    "quote_sent": gettext_lazy("sent a repair quote"),
    "quote_approved": gettext_lazy("approved the repair quote"),
    "quote_declined": gettext_lazy("declined the repair quote"),
    "quote_withdrawn": gettext_lazy("withdrew the repair quote"),
    "survey_answered": gettext_lazy("answered the satisfaction survey"),
    "survey_edited": gettext_lazy("changed the survey answers"),
    "follow_up_scheduled": gettext_lazy("scheduled a follow-up"),
    "follow_up_logged": gettext_lazy("logged a follow-up"),
    "follow_up_escalated": gettext_lazy("escalated an overdue follow-up"),
    "quality_check": gettext_lazy("checked the ticket's quality"),
}
PROPERTY_LABELS = {
    "status": gettext_lazy("Status"),
    "priority": gettext_lazy("Priority"),
    "category": gettext_lazy("Category"),
    "unit": gettext_lazy("Serial number"),
    "team": gettext_lazy("Team"),
    "assignee": gettext_lazy("Assignee"),
    "tags": gettext_lazy("Tags"),
}
# The SLA targets an "sla_…" row names in its field (sla.deadlines, which tickets cannot import).
SLA_TARGET_LABELS = {
    "first_response": gettext_lazy("First response"),
    "next_response": gettext_lazy("Next response"),
    "resolution": gettext_lazy("Resolution"),
}
# Why an assignee changed (tickets.services._assign) or a status changed by itself.
REASON_LABELS = {
    "routing": gettext_lazy("routed automatically"),
    "escalation": gettext_lazy("escalated to a senior agent"),
    "take": gettext_lazy("the agent took the ticket"),
    "transfer": gettext_lazy("routed after a transfer"),
    "auto_close": gettext_lazy("closed automatically after the resolved period"),
}
VALUE_LABELS = {"status": dict(Status.choices), "priority": dict(Priority.choices)}


@dataclass(frozen=True)
class HistoryRow:
    actor: str
    action: str
    field: str
    old: str
    new: str
    detail: str
    created_at: object

    @classmethod
    def of(cls, event: TicketEvent) -> "HistoryRow":
        values = VALUE_LABELS.get(event.field, {})
        return cls(
            actor=actor_display(event.actor_label),
            action=action_label(event.action),
            field=_field_label(event),
            old=str(values.get(event.old_value, event.old_value)),
            new=str(values.get(event.new_value, event.new_value)),
            detail=_event_detail(event),
            created_at=event.created_at,
        )


def action_label(code: str) -> str:
    """An unknown code (a row written by a newer version) still reads as words."""
    return str(ACTION_LABELS.get(code, code.replace("_", " ")))


def _field_label(event: TicketEvent) -> str:
    # "changed" needs the field's name; the other actions already say what changed.
    if event.action == "changed":
        return str(PROPERTY_LABELS.get(event.field, event.field))
    if event.action.startswith("sla_"):
        return str(SLA_TARGET_LABELS.get(event.field, ""))
    return ""


def _event_detail(event: TicketEvent) -> str:
    data = event.data or {}
    reason = _reason(event.action, data)
    if reason:
        return _("Reason: %(reason)s") % {"reason": reason}
    if event.action == "merged_in" and data.get("source"):
        return _("from #%(number)s") % {"number": data["source"]}
    if event.action == "merged_into" and data.get("target"):
        return _("into #%(number)s") % {"number": data["target"]}
    if event.action.startswith("stock_") and data.get("part"):
        return _("%(quantity)s × %(part)s at %(location)s") % {
            "quantity": data.get("quantity"),
            "part": data["part"],
            "location": data.get("location", ""),
        }
    return ""


def _reason(action: str, data: dict) -> str:
    """A coded reason in the reader's language; a typed one (a transfer's) as written."""
    if action == "escalated":
        return "; ".join(data.get("reasons") or [])
    reason = data.get("reason") or ""
    if action in ("transferred", "rule_refused"):
        return reason
    return str(REASON_LABELS.get(reason, ""))
