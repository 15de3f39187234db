"""Triggers on tickets: each action does what an agent's change does, in order, named in the
history; chains stop; something gone switches the trigger off instead of failing."""

import pytest
from django_scopes import scope

from automations.models import Trigger, TriggerFiring
from helpdesk.models import Notification, Role
from sla.models import Escalation
from tests.automations.helpers import make_trigger, when
from tests.conftest import HOST_A, client_for
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.tickets.helpers import make_category, make_customer, make_ticket
from tickets import services as tickets
from tickets.models import Category, Message, MessageKind, TicketEvent

pytestmark = pytest.mark.django_db


def history(ticket) -> list[tuple[str, str, str, str]]:
    rows = TicketEvent.objects.filter(ticket=ticket).order_by("pk")
    return list(rows.values_list("actor_label", "action", "field", "new_value"))


def test_each_action_changes_the_ticket_as_an_agent_would(tenant_a, agent_a, admin_a):
    with scope(tenant=tenant_a):
        team = TeamFactory(tenant=tenant_a, name="Technical support", lead=admin_a)
        category = Category.objects.create(tenant=tenant_a, name="Product bug")
        make_trigger(
            tenant_a,
            name="Product bug → tech team",
            conditions=when("subject_or_text", "contains_any", ["bug", "故障"]),
            actions=[
                {"type": "set_priority", "value": "high"},
                {"type": "set_category", "value": category.pk},
                {"type": "set_team", "value": team.pk},
                {"type": "set_assignee", "value": agent_a.pk},
                {"type": "add_tags", "value": ["bug", "48h"]},
                {"type": "add_note", "value": "Reproduce, fix, verify: answer within 48 h."},
                {"type": "notify", "value": {"to": "team_lead", "text": "New product bug"}},
                {"type": "escalate", "value": "product bug"},
                {"type": "set_status", "value": "open"},
            ],
        )
        ticket = make_ticket(tenant_a, subject="App 故障 after update")
        ticket.refresh_from_db()
        notes = Message.objects.filter(ticket=ticket, kind=MessageKind.INTERNAL)
        notices = list(Notification.objects.values_list("recipient_id", "text"))
        escalation = Escalation.objects.get(ticket=ticket, level="rule")
        tags = sorted(ticket.tags.values_list("name", flat=True))
        events = history(ticket)

    assert (ticket.priority, ticket.category, ticket.team, ticket.assignee) == (
        "high",
        category,
        team,
        agent_a,
    )
    assert ticket.status == "open" and tags == ["48h", "bug"]
    assert [n.body for n in notes] == ["Reproduce, fix, verify: answer within 48 h."]
    assert (admin_a.pk, f"Ticket #{ticket.number} (Product bug → tech team): New product bug") in (
        notices
    )
    assert escalation.reason == "product bug"
    label = "Trigger 'Product bug → tech team'"
    assert (label, "trigger_fired", "", "Product bug → tech team") in events
    assert (label, "changed", "priority", "high") in events
    assert (label, "changed", "team", "Technical support") in events


def test_remove_tags_and_an_unmatched_ticket_is_left_alone(tenant_a):
    with scope(tenant=tenant_a):
        make_trigger(
            tenant_a,
            event="ticket.updated",
            conditions=when("tags", "contains_any", ["spam"]),
            actions=[{"type": "remove_tags", "value": ["Urgent"]}],
        )
        ticket = make_ticket(tenant_a, tags=["urgent", "x"])
        tickets.ticket_set_tags(ticket=ticket, actor=None, names=["urgent", "x", "spam"])
        other = make_ticket(tenant_a, tags=["urgent"])
        tickets.ticket_set_tags(ticket=other, actor=None, names=["urgent", "y"])
        assert sorted(ticket.tags.values_list("name", flat=True)) == ["spam", "x"]
        assert sorted(other.tags.values_list("name", flat=True)) == ["urgent", "y"]
        assert TriggerFiring.objects.count() == 1


def test_triggers_run_in_order_and_stop_processing_ends_the_run(tenant_a):
    with scope(tenant=tenant_a):
        make_trigger(
            tenant_a,
            name="second",
            position=2,
            actions=[{"type": "add_tags", "value": ["second"]}],
        )
        make_trigger(
            tenant_a,
            name="first",
            position=1,
            stop_processing=True,
            conditions=when("subject", "contains", "stop"),
            actions=[{"type": "add_tags", "value": ["first"]}],
        )
        stopped = make_ticket(tenant_a, subject="please stop")
        both = make_ticket(tenant_a, subject="go on")
        assert list(stopped.tags.values_list("name", flat=True)) == ["first"]
        assert list(both.tags.values_list("name", flat=True)) == ["second"]


def test_two_triggers_that_undo_each_other_stop_after_one_round(tenant_a):
    with scope(tenant=tenant_a):
        make_trigger(
            tenant_a,
            name="up",
            event="ticket.updated",
            conditions=when("priority", "is", "low"),
            actions=[{"type": "set_priority", "value": "high"}],
        )
        make_trigger(
            tenant_a,
            name="down",
            event="ticket.updated",
            conditions=when("priority", "is", "high"),
            actions=[{"type": "set_priority", "value": "low"}],
        )
        ticket = make_ticket(tenant_a)
        tickets.ticket_change_priority(ticket=ticket, actor=None, priority="low")
        ticket.refresh_from_db()
        fired = list(TriggerFiring.objects.order_by("pk").values_list("trigger__name", flat=True))

    # low → up makes it high → down makes it low → up may not fire again in this chain.
    assert fired == ["up", "down"]
    assert ticket.priority == "low"


def test_a_trigger_naming_a_deleted_team_is_switched_off_and_the_admins_told(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        team = TeamFactory(tenant=tenant_a, name="Gone")
        trigger = make_trigger(
            tenant_a,
            name="To the gone team",
            actions=[
                {"type": "add_tags", "value": ["routed"]},
                {"type": "set_team", "value": team.pk},
            ],
        )
        team.delete()
        ticket = make_ticket(tenant_a)
        trigger.refresh_from_db()
        tags = list(ticket.tags.values_list("name", flat=True))
        told = list(Notification.objects.values_list("recipient_id", "text"))

    assert ticket.pk is not None and ticket.team is None
    assert tags == []  # the trigger's partial changes were rolled back with it
    assert not trigger.is_active and "no longer exists" in trigger.disabled_reason
    assert told and told[0][0] == admin_a.pk and "To the gone team" in told[0][1]


def test_message_triggers_see_the_message(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        lead = MembershipFactory(
            tenant=tenant_a, user=UserFactory(email="lead@acme.test"), role=Role.TEAM_LEAD
        )
        make_trigger(
            tenant_a,
            name="Angry",
            event="message.customer",
            conditions=when("message", "contains_any", ["投诉", "lawyer"]),
            actions=[
                {"type": "set_priority", "value": "urgent"},
                {"type": "notify", "value": {"to": lead.pk, "text": "Angry customer"}},
            ],
        )
        calm = make_ticket(tenant_a, customer=make_customer(tenant_a))
        tickets.ticket_customer_reply(ticket=calm, customer=calm.customer, body="谢谢，已经好了")
        angry = make_ticket(tenant_a, customer=make_customer(tenant_a))
        tickets.ticket_customer_reply(
            ticket=angry, customer=angry.customer, body="再不修好我就投诉"
        )
        calm.refresh_from_db()
        angry.refresh_from_db()
        notified = list(Notification.objects.values_list("recipient_id", flat=True))

    assert (calm.priority, angry.priority) == ("normal", "urgent")
    assert notified == [lead.pk]


def test_another_tenants_triggers_never_run_here(tenant_a, tenant_b):
    with scope(tenant=tenant_b):
        make_trigger(tenant_b, actions=[{"type": "set_priority", "value": "urgent"}])
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
        assert ticket.priority == "normal"
        assert not Trigger.objects.exists()


def test_the_ticket_page_shows_the_trigger_and_its_note(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        make_trigger(
            tenant_a,
            name="Bug desk",
            actions=[{"type": "add_note", "value": "Reproduce first."}],
        )
        ticket = make_ticket(tenant_a, subject="Crash")
    page = client_for(agent_a, HOST_A).get(f"/tickets/{ticket.number}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Trigger &#x27;Bug desk&#x27;" in text and "fired on this ticket" in text
    assert "Reproduce first." in text


def test_an_action_the_ticket_refuses_undoes_the_rule_but_not_the_change(tenant_a):
    with scope(tenant=tenant_a):
        make_trigger(
            tenant_a,
            name="Note on close",
            event="ticket.updated",
            conditions=when("status", "is", "closed"),
            actions=[
                {"type": "add_tags", "value": ["closing"]},
                {"type": "add_note", "value": "Closed by the desk."},
            ],
        )
        ticket = make_ticket(tenant_a)
        tickets.ticket_change_status(ticket=ticket, actor=None, status="resolved")
        tickets.ticket_change_status(ticket=ticket, actor=None, status="closed")
        ticket.refresh_from_db()
        tags = list(ticket.tags.values_list("name", flat=True))
        refused = TicketEvent.objects.filter(ticket=ticket, action="rule_refused").get()

    assert ticket.status == "closed"  # the change that fired the rule went through
    assert tags == []  # the rule's own changes were undone
    assert refused.actor_label == "Trigger 'Note on close'"
    assert "closed" in refused.data["reason"]


def test_the_router_keeps_the_assignee_a_trigger_chose_on_creation(tenant_a, agent_a, admin_a):
    with scope(tenant=tenant_a):
        team = TeamFactory(tenant=tenant_a, name="Repair", lead=admin_a)
        team.members.add(agent_a)
        category = make_category(tenant_a, team=team)
        make_trigger(tenant_a, name="By category", actions=[{"type": "team_from_category"}])
        make_trigger(
            tenant_a,
            name="Boss takes E4",
            conditions=when("subject", "contains", "E4"),
            actions=[{"type": "set_assignee", "value": admin_a.pk}],
        )
        chosen = make_ticket(tenant_a, subject="E4 again", category=category)
        routed = make_ticket(tenant_a, subject="Door", category=category)
        chosen.refresh_from_db()
        routed.refresh_from_db()
        assigned = list(
            TicketEvent.objects.filter(ticket=chosen, action="assigned").values_list(
                "actor_label", flat=True
            )
        )

    assert chosen.assignee == admin_a  # the trigger's choice stood
    assert assigned == ["Trigger 'Boss takes E4'"]
    assert routed.assignee == agent_a  # the router still routes the others
