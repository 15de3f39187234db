"""Every domain event and who receives it, in one place.

The services of a lower app send events (``helpdesk.events``, ``customers.events``,
``tickets.events``) instead of calling up into the apps that react; this table connects the
receivers, in the order they run. Read it to follow what happens after a change; the test
``tests/config/test_events.py`` pins it.
"""

from collections.abc import Callable

from django.dispatch import Signal

from automations import receivers as automations
from customers import events as customer_events
from customers import receivers as customers
from fieldservice import events as work_order_events
from fieldservice import receivers as fieldservice
from fieldservice.sweeper import sweep_batch as work_order_sweep
from helpdesk import events as tenancy_events
from knowledge import receivers as knowledge
from sla import events as sla_events
from sla import receivers as sla
from sla import sweeper
from sla.templatetags.sla import sla_badge
from surveys import events as survey_events
from surveys import receivers as surveys
from tickets import events as ticket_events
from tickets import receivers as tickets
from tickets.templatetags import queue

RECEIVERS: dict[Signal, list[Callable]] = {
    # Tiers first: the default SLA policies name them.
    tenancy_events.tenant_seeding: [
        customers.tiers_on_tenant_seeding,
        sla.sla_defaults_on_tenant_seeding,
        knowledge.banned_phrases_on_tenant_seeding,
        automations.triggers_on_tenant_seeding,
    ],
    customer_events.customer_tier_changed: [sla.sla_on_customer_tier_changed],
    customer_events.customer_merging: [tickets.tickets_follow_merged_customer],
    # Personal data: the export's sections (their order is fixed by
    # customers.privacy_export.SECTIONS), erasure on request, blanking, and retention's check.
    customer_events.customer_data_export: [
        tickets.export_tickets,
        tickets.export_messages_elsewhere,
        tickets.export_incident_updates,
        surveys.export_surveys,
        surveys.export_follow_ups,
        fieldservice.export_work_orders,
    ],
    customer_events.customer_data_erase: [tickets.erase_tickets],
    customer_events.customer_anonymising: [tickets.blank_person_rows, surveys.blank_person_rows],
    customer_events.customer_data_held: [tickets.tickets_held],
    ticket_events.ticket_data_erase: [surveys.blank_ticket_rows, fieldservice.blank_ticket_rows],
    # The SLA row first; triggers last: they see the SLA row (an escalation marks it), and
    # routing, after this event, sees the team and assignee they set.
    ticket_events.ticket_created: [
        sla.sla_on_ticket_created,
        tickets.email_on_created,
        automations.on_ticket_created,
    ],
    ticket_events.ticket_changed: [sla.sla_on_ticket_changed, automations.on_ticket_changed],
    ticket_events.ticket_customer_replied: [
        sla.sla_on_ticket_activity,
        automations.on_customer_replied,
    ],
    ticket_events.ticket_agent_replied: [
        sla.sla_on_ticket_activity,
        tickets.email_on_agent_replied,
        automations.on_agent_replied,
    ],
    ticket_events.ticket_status_changed: [
        sla.sla_on_ticket_activity,
        automations.on_ticket_changed,
    ],
    ticket_events.ticket_resolved: [tickets.email_on_resolved, surveys.survey_on_resolved],
    ticket_events.ticket_reopened: [],
    ticket_events.ticket_merged: [sla.sla_on_ticket_activity],
    ticket_events.ticket_transferred: [tickets.email_on_transferred],
    sla_events.sla_checkpoint_passed: [automations.on_sla_checkpoint],
    survey_events.survey_answered: [automations.on_survey_answered],
    survey_events.follow_up_overdue: [automations.on_follow_up_overdue],
    # The promise first (on site by, turnaround): the customer's notices show its due time;
    # the customer hears of their work order once the change commits.
    work_order_events.work_order_created: [
        fieldservice.target_on_created,
        fieldservice.notice_on_work_order_created,
        automations.on_work_order_created,
    ],
    work_order_events.work_order_changed: [
        fieldservice.target_on_changed,
        fieldservice.notice_on_work_order_changed,
        automations.on_work_order_changed,
    ],
}


# Other clocks the SLA sweep task claims after the tickets' (sla.sweeper.extra_sweeps).
EXTRA_SWEEPS: list[Callable] = [work_order_sweep]

# Badges beside the status of each row of the ticket queue (tickets.templatetags.queue).
QUEUE_STATUS_BADGES: list[Callable] = [sla_badge]


def receiver_uid(receiver: Callable) -> str:
    return f"{receiver.__module__}.{receiver.__qualname__}"


def connect_receivers() -> None:
    """Connect the table, the queue badges and the extra sweeps (idempotent: each receiver
    has a dispatch uid)."""
    for signal, receivers in RECEIVERS.items():
        for receiver in receivers:
            signal.connect(receiver, dispatch_uid=receiver_uid(receiver))
    queue.status_badges[:] = QUEUE_STATUS_BADGES
    sweeper.extra_sweeps[:] = EXTRA_SWEEPS
