"""The table of domain events and their receivers (config/events.py) is what runs."""

from config.events import RECEIVERS, receiver_uid
from customers import events as customer_events
from fieldservice import events as work_order_events
from helpdesk import events as tenancy_events
from sla import events as sla_events
from surveys import events as survey_events
from tickets import events as ticket_events

# Written out by hand: a receiver added, dropped or reordered shows up here in review.
EXPECTED = {
    tenancy_events.tenant_seeding: [
        "customers.receivers.tiers_on_tenant_seeding",
        "sla.receivers.sla_defaults_on_tenant_seeding",
        "knowledge.receivers.banned_phrases_on_tenant_seeding",
        "automations.receivers.triggers_on_tenant_seeding",
    ],
    customer_events.customer_tier_changed: ["sla.receivers.sla_on_customer_tier_changed"],
    customer_events.customer_merging: ["tickets.receivers.tickets_follow_merged_customer"],
    customer_events.customer_data_export: [
        "tickets.receivers.export_tickets",
        "tickets.receivers.export_messages_elsewhere",
        "tickets.receivers.export_incident_updates",
        "surveys.receivers.export_surveys",
        "surveys.receivers.export_follow_ups",
        "fieldservice.receivers.export_work_orders",
    ],
    customer_events.customer_data_erase: ["tickets.receivers.erase_tickets"],
    customer_events.customer_anonymising: [
        "tickets.receivers.blank_person_rows",
        "surveys.receivers.blank_person_rows",
    ],
    customer_events.customer_data_held: ["tickets.receivers.tickets_held"],
    ticket_events.ticket_data_erase: [
        "surveys.receivers.blank_ticket_rows",
        "fieldservice.receivers.blank_ticket_rows",
    ],
    ticket_events.ticket_created: [
        "sla.receivers.sla_on_ticket_created",
        "tickets.receivers.email_on_created",
        "automations.receivers.on_ticket_created",
    ],
    ticket_events.ticket_changed: [
        "sla.receivers.sla_on_ticket_changed",
        "automations.receivers.on_ticket_changed",
    ],
    ticket_events.ticket_customer_replied: [
        "sla.receivers.sla_on_ticket_activity",
        "automations.receivers.on_customer_replied",
    ],
    ticket_events.ticket_agent_replied: [
        "sla.receivers.sla_on_ticket_activity",
        "tickets.receivers.email_on_agent_replied",
        "automations.receivers.on_agent_replied",
    ],
    ticket_events.ticket_status_changed: [
        "sla.receivers.sla_on_ticket_activity",
        "automations.receivers.on_ticket_changed",
    ],
    ticket_events.ticket_resolved: [
        "tickets.receivers.email_on_resolved",
        "surveys.receivers.survey_on_resolved",
    ],
    ticket_events.ticket_reopened: [],
    ticket_events.ticket_merged: ["sla.receivers.sla_on_ticket_activity"],
    ticket_events.ticket_transferred: ["tickets.receivers.email_on_transferred"],
    sla_events.sla_checkpoint_passed: ["automations.receivers.on_sla_checkpoint"],
    survey_events.survey_answered: ["automations.receivers.on_survey_answered"],
    survey_events.follow_up_overdue: ["automations.receivers.on_follow_up_overdue"],
    work_order_events.work_order_created: [
        "fieldservice.receivers.target_on_created",
        "fieldservice.receivers.notice_on_work_order_created",
        "automations.receivers.on_work_order_created",
    ],
    work_order_events.work_order_changed: [
        "fieldservice.receivers.target_on_changed",
        "fieldservice.receivers.notice_on_work_order_changed",
        "automations.receivers.on_work_order_changed",
    ],
}


def _connected(signal) -> list[str]:
    """The dispatch uids of the receivers connected to ``signal``, in the order they run."""
    return [key[0] for key, *_rest in signal.receivers]


def test_it_lists_every_event_with_its_receivers_in_order():
    table = {
        signal: [receiver_uid(r) for r in receivers] for signal, receivers in RECEIVERS.items()
    }
    assert table == EXPECTED


def test_it_connects_exactly_the_listed_receivers():
    for signal, receivers in EXPECTED.items():
        assert _connected(signal) == receivers


def test_it_lists_every_signal_the_apps_define():
    defined = {
        value
        for module in (
            tenancy_events,
            customer_events,
            ticket_events,
            work_order_events,
            sla_events,
            survey_events,
        )
        for value in vars(module).values()
        if type(value).__name__ == "Signal"
    }
    assert defined == set(EXPECTED)
