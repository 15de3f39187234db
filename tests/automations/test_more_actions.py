"""The actions that reach other apps: a reply template e-mailed to the customer, a macro, a
follow-up task, the ticket's own SLA target, the webhooks, round-robin and router assignment;
and the follow-up's overdue event. Each goes through the owning app's service."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from automations import builder
from automations.models import Trigger, TriggerFiring
from helpdesk.models import Notification, WebhookDelivery, WebhookSubscription
from helpdesk.services import tenant_seed_defaults
from knowledge.models import ApprovalStatus, ReplyTemplate, TemplateScope
from sla.models import Calendar, SlaPolicy, TicketSla
from surveys import sweeper as survey_sweeper
from surveys.models import FollowUp
from surveys.services import follow_up_schedule
from tests.automations.helpers import make_trigger, when
from tests.automations.test_pages import post_rule
from tests.conftest import HOST_A, client_for
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.tickets.helpers import make_customer, make_ticket
from tickets import services as tickets
from tickets.models import Message, MessageKind, TicketEvent

pytestmark = pytest.mark.django_db


def approved_template(tenant, owner, **fields) -> ReplyTemplate:
    fields.setdefault("name", "We are on it")
    fields.setdefault("body", "Hello {{ customer.name }}, #{{ ticket.number }} — {{ agent.name }}")
    fields.setdefault("scope", TemplateScope.TENANT)
    fields.setdefault("approval_status", ApprovalStatus.APPROVED)
    return ReplyTemplate.objects.create(tenant=tenant, owner=owner, **fields)


def members_of(team, count: int) -> list:
    members = [MembershipFactory(tenant=team.tenant, user=UserFactory()) for _ in range(count)]
    team.members.add(*members)
    return members


# --- the customer's e-mail and the macro ----------------------------------------------------------


def test_it_emails_the_customer_an_approved_template_from_the_desk(
    tenant_a, admin_a, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a):
        template = approved_template(tenant_a, admin_a)
        make_trigger(tenant_a, actions=[{"type": "email_customer", "value": template.pk}])
        customer = make_customer(tenant_a, email="wang@example.test")
        customer.name = "Wang Fang"
        customer.save(update_fields=["name"])
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(tenant_a, customer=customer)
    with scope(tenant=tenant_a):
        reply = Message.objects.get(ticket=ticket, kind=MessageKind.PUBLIC)
    body = f"Hello Wang Fang, #{ticket.number} — ACME"
    assert (reply.body, reply.author_member_id) == (body, None)
    mailed = [m for m in mail.outbox if body in m.body]
    assert len(mailed) == 1 and mailed[0].to == ["wang@example.test"]


def test_only_an_approved_shared_template_can_be_named(tenant_a, admin_a, agent_a):
    with scope(tenant=tenant_a):
        pending = approved_template(tenant_a, admin_a, approval_status=ApprovalStatus.PENDING)
        personal = approved_template(tenant_a, agent_a, name="Mine", scope=TemplateScope.PERSONAL)
        with pytest.raises(ValidationError) as error:
            make_trigger(
                tenant_a,
                actions=[
                    {"type": "email_customer", "value": pending.pk},
                    {"type": "apply_macro", "value": personal.pk},
                ],
            )
    assert error.value.message_dict == {
        "actions[0].value": ["No approved shared reply template of this desk has this id."],
        "actions[1].value": ["No approved shared reply template of this desk has this id."],
    }


def test_a_template_waiting_for_approval_again_switches_the_trigger_off(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        template = approved_template(tenant_a, admin_a)
        trigger = make_trigger(tenant_a, actions=[{"type": "email_customer", "value": template.pk}])
        ReplyTemplate.objects.filter(pk=template.pk).update(approval_status=ApprovalStatus.PENDING)
        ticket = make_ticket(tenant_a)
        trigger.refresh_from_db()
        assert not Message.objects.filter(ticket=ticket, kind=MessageKind.PUBLIC).exists()
    assert not trigger.is_active
    assert "reply template" in trigger.disabled_reason


def test_a_macro_replies_and_changes_the_ticket(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        template = approved_template(
            tenant_a, admin_a, name="Known fault", set_priority="high", add_tags="known-fault"
        )
        make_trigger(
            tenant_a,
            name="E4 macro",
            conditions=when("subject", "contains", "E4"),
            actions=[{"type": "apply_macro", "value": template.pk}],
        )
        ticket = make_ticket(tenant_a, subject="E4 on the display")
        ticket.refresh_from_db()
        replies = list(
            ticket.messages.filter(kind=MessageKind.PUBLIC).values_list("body", flat=True)
        )
        tags = list(ticket.tags.values_list("name", flat=True))
        actors = set(
            TicketEvent.objects.filter(ticket=ticket, field="priority").values_list(
                "actor_label", flat=True
            )
        )
    assert ticket.priority == "high" and tags == ["known-fault"]
    assert replies == [f"Hello Li Lei, #{ticket.number} — ACME"]
    assert actors == {"Trigger 'E4 macro'"}


# --- follow-up task -------------------------------------------------------------------------------


def test_a_follow_up_task_goes_to_the_team_lead_within_the_hours(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        team = TeamFactory(tenant=tenant_a, name="Quality", lead=admin_a)
        make_trigger(
            tenant_a,
            name="Negative feedback",
            actions=[
                {"type": "set_team", "value": team.pk},
                {"type": "follow_up", "value": {"hours": 72, "to": "team_lead"}},
            ],
        )
        before = timezone.now()
        ticket = make_ticket(tenant_a)
        task = FollowUp.objects.get(ticket=ticket)
        notified = Notification.objects.filter(recipient=admin_a).exists()
    assert (task.kind, task.assignee, task.status) == ("task", admin_a, "pending")
    assert before + timedelta(hours=72) <= task.due_at <= timezone.now() + timedelta(hours=72)
    assert task.notes == "Negative feedback" and task.created_by is None
    assert notified


def test_a_follow_up_task_can_go_to_a_named_member_with_a_note(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        value = {"hours": 4, "to": agent_a.pk, "note": "Call back about the part"}
        make_trigger(tenant_a, actions=[{"type": "follow_up", "value": value}])
        ticket = make_ticket(tenant_a)
        task = FollowUp.objects.get(ticket=ticket)
    assert (task.assignee, task.notes) == (agent_a, "Call back about the part")


@pytest.mark.parametrize(
    "value",
    [
        {"to": "team_lead"},
        {"hours": 0},
        {"hours": 9000},
        {"hours": "72"},
        {"hours": 72, "to": "boss"},
        {"hours": 72, "when": "soon"},
    ],
)
def test_a_follow_up_needs_whole_hours_and_a_lead_or_member(tenant_a, value):
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as error:
        make_trigger(tenant_a, actions=[{"type": "follow_up", "value": value}])
    assert list(error.value.message_dict) == ["actions[0].value"]


def test_a_follow_up_to_a_member_of_another_desk_is_refused(tenant_a, outsider):
    value = {"hours": 72, "to": outsider.pk}
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as error:
        make_trigger(tenant_a, actions=[{"type": "follow_up", "value": value}])
    assert error.value.message_dict == {"actions[0].value": ["Nothing of this desk has this id."]}


# --- SLA target -----------------------------------------------------------------------------------


def test_the_sla_target_override_moves_the_resolution_due_time(tenant_a):
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        Trigger.objects.all().delete()  # only this test's trigger
        SlaPolicy.objects.all().delete()
        SlaPolicy.objects.create(
            tenant=tenant_a,
            name="Five days",
            calendar=Calendar.objects.get(name="24×7"),
            first_response_minutes=5 * 24 * 60,
            resolution_minutes=5 * 24 * 60,
        )
        make_trigger(
            tenant_a,
            name="Product bug: 48 h",
            conditions=when("subject", "contains", "bug"),
            actions=[{"type": "sla_target", "value": {"resolution_hours": 48}}],
        )
        bug = make_ticket(tenant_a, subject="App bug")
        other = make_ticket(tenant_a, subject="Question")
        bug_sla, other_sla = TicketSla.objects.get(ticket=bug), TicketSla.objects.get(ticket=other)
        events = TicketEvent.objects.filter(ticket=bug, action="sla_target")
        actors = list(events.values_list("actor_label", flat=True))
    assert bug_sla.target_resolution_minutes == 48 * 60
    assert bug_sla.resolution_due_at == bug.created_at + timedelta(hours=48)
    assert other_sla.resolution_due_at == other.created_at + timedelta(days=5)
    assert actors == ["Trigger 'Product bug: 48 h'"]


@pytest.mark.parametrize(
    "value", [{}, {"resolution_hours": 0}, {"response_hours": 4}, 48, {"resolution_hours": 1.5}]
)
def test_an_sla_target_needs_whole_hours_of_a_known_target(tenant_a, value):
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as error:
        make_trigger(tenant_a, actions=[{"type": "sla_target", "value": value}])
    assert list(error.value.message_dict) == ["actions[0].value"]


# --- webhook --------------------------------------------------------------------------------------


def test_the_webhook_action_calls_only_the_subscribers_of_trigger_fired(tenant_a):
    with scope(tenant=tenant_a):
        wanted = WebhookSubscription.objects.create(
            tenant=tenant_a, url="https://hooks.example.com/a", events=["trigger.fired"]
        )
        WebhookSubscription.objects.create(
            tenant=tenant_a, url="https://hooks.example.com/b", events=["stock.low"]
        )
        make_trigger(tenant_a, name="Tell the ERP", actions=[{"type": "webhook", "value": "erp"}])
        ticket = make_ticket(tenant_a)
        deliveries = list(WebhookDelivery.objects.filter(event="trigger.fired"))
    assert [d.subscription_id for d in deliveries] == [wanted.pk]
    assert deliveries[0].payload == {
        "ticket": {"id": ticket.pk, "number": ticket.number},
        "trigger": "Tell the ERP",
        "note": "erp",
    }


def test_a_webhook_action_never_takes_a_url_of_its_own(tenant_a):
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as error:
        make_trigger(tenant_a, actions=[{"type": "webhook", "value": {"url": "https://x.test"}}])
    assert list(error.value.message_dict) == ["actions[0].value"]


# --- assignment -----------------------------------------------------------------------------------


def test_round_robin_gives_each_member_a_ticket_in_turn(tenant_a):
    with scope(tenant=tenant_a):
        team = TeamFactory(tenant=tenant_a, name="Hotline")
        first, second, third = members_of(team, 3)
        third.is_active = False
        third.save(update_fields=["is_active"])
        make_trigger(tenant_a, actions=[{"type": "assign_round_robin", "value": team.pk}])
        assignees = [make_ticket(tenant_a).assignee for _ in range(3)]
    assert assignees == [first, second, first]


def test_round_robin_keeps_one_turn_per_team(tenant_a):
    with scope(tenant=tenant_a):
        hotline, field = TeamFactory(tenant=tenant_a), TeamFactory(tenant=tenant_a)
        (a1, _a2), (b1,) = members_of(hotline, 2), members_of(field, 1)
        make_trigger(tenant_a, actions=[{"type": "assign_round_robin", "value": hotline.pk}])
        make_trigger(
            tenant_a,
            conditions=when("subject", "contains", "visit"),
            actions=[{"type": "assign_round_robin", "value": field.pk}],
            position=200,
        )
        first = make_ticket(tenant_a).assignee
        visit = make_ticket(tenant_a, subject="visit please").assignee
        third = make_ticket(tenant_a).assignee
    # The visit's ticket took the hotline's turn first, then the field team's.
    assert (first, visit, third) == (a1, b1, a1)


def test_the_router_gives_the_ticket_to_the_least_loaded_member(tenant_a, agent_a, team_a):
    with scope(tenant=tenant_a):
        (idle,) = members_of(team_a, 1)
        busy_ticket = make_ticket(tenant_a)
        tickets.ticket_assign(ticket=busy_ticket, actor=None, assignee=agent_a)
        make_trigger(
            tenant_a,
            event="ticket.updated",
            conditions=when("team", "is", team_a.pk),
            actions=[{"type": "assign_by_router", "value": None}],
        )
        ticket = make_ticket(tenant_a)
        tickets.ticket_change_team(ticket=ticket, actor=None, team=team_a)
        ticket.refresh_from_db()
    assert ticket.assignee == idle


def test_the_router_takes_no_value(tenant_a):
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as error:
        make_trigger(tenant_a, actions=[{"type": "assign_by_router", "value": 3}])
    assert error.value.message_dict == {"actions[0].value": ["This action takes no value."]}


# --- follow_up.overdue ----------------------------------------------------------------------------


def test_an_overdue_follow_up_fires_its_trigger_after_the_sweep(
    tenant_a, agent_a, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a):
        make_trigger(
            tenant_a,
            name="Overdue call",
            event="follow_up.overdue",
            actions=[{"type": "set_priority", "value": "urgent"}],
        )
        ticket = make_ticket(tenant_a)
        call = follow_up_schedule(
            ticket=ticket,
            actor=agent_a,
            assignee=agent_a,
            due_at=timezone.now() + timedelta(hours=2),
            channel="phone",
        )
    with django_capture_on_commit_callbacks(execute=True):
        survey_sweeper.sweep_due(now=call.due_at + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        survey_sweeper.sweep_due(now=call.due_at + timedelta(minutes=2))
    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
        fired = list(TriggerFiring.objects.values_list("event", flat=True))
    assert ticket.priority == "urgent"
    assert fired == ["follow_up.overdue"]


# --- the builder's rows ---------------------------------------------------------------------------


def test_the_builder_reads_and_shows_the_new_actions_by_name(tenant_a, admin_a, agent_a):
    with scope(tenant=tenant_a):
        template = approved_template(tenant_a, admin_a, name="Sorry for the wait")
        team = TeamFactory(tenant=tenant_a, name="Hotline")
        rows = [
            ("email_customer", "sorry for the WAIT", ""),
            ("apply_macro", "Sorry for the wait", ""),
            ("follow_up", "72", "Tell them the fix"),
            ("follow_up", "4h, agent@acme.test", ""),
            ("sla_target", "48", ""),
            ("sla_target", "48, 4", ""),
            ("webhook", "", ""),
            ("assign_round_robin", "hotline", ""),
            ("assign_by_router", "", ""),
        ]
        actions = [builder.action_from_row(*row) for row in rows]
        shown = [builder.action_to_row(action) for action in actions]
        trigger = make_trigger(tenant_a, actions=actions)
        assert Trigger.objects.filter(pk=trigger.pk).exists()
    assert [a["value"] for a in actions] == [
        template.pk,
        template.pk,
        {"hours": 72, "to": "team_lead", "note": "Tell them the fix"},
        {"hours": 4, "to": agent_a.pk},
        {"resolution_hours": 48},
        {"resolution_hours": 48, "first_response_hours": 4},
        "",
        team.pk,
        "",
    ]
    assert [(row["value"], row["text"]) for row in shown] == [
        ("Sorry for the wait", ""),
        ("Sorry for the wait", ""),
        ("72", "Tell them the fix"),
        ("4, agent@acme.test", ""),
        ("48", ""),
        ("48, 4", ""),
        ("", ""),
        ("Hotline", ""),
        ("", ""),
    ]


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("email_customer", "No such template"),
        ("follow_up", "soon"),
        ("follow_up", "72, nobody@acme.test"),
        ("sla_target", "1, 2, 3"),
        ("sla_target", "1.5"),
    ],
)
def test_the_builder_says_what_it_cannot_read(tenant_a, kind, text):
    with scope(tenant=tenant_a), pytest.raises(builder.RowError):
        builder.action_from_row(kind, text, "")


# --- through the settings page and the API --------------------------------------------------------


def test_the_settings_page_saves_the_new_actions_typed_by_names(tenant_a, admin_a, agent_a):
    with scope(tenant=tenant_a):
        template = approved_template(tenant_a, admin_a, name="Sorry for the wait")
        team = TeamFactory(tenant=tenant_a, name="Hotline")
    answer = post_rule(
        client_for(admin_a, HOST_A),
        event="follow_up.overdue",
        actions=[
            {"type": "email_customer", "value": "Sorry for the wait"},
            {"type": "follow_up", "value": "24, agent@acme.test", "text": "Call them today"},
            {"type": "sla_target", "value": "48"},
            {"type": "assign_round_robin", "value": "Hotline"},
        ],
    )
    assert answer.status_code == 302
    with scope(tenant=tenant_a):
        trigger = Trigger.objects.get()
    assert trigger.event == "follow_up.overdue"
    assert trigger.actions == [
        {"type": "email_customer", "value": template.pk},
        {"type": "follow_up", "value": {"hours": 24, "to": agent_a.pk, "note": "Call them today"}},
        {"type": "sla_target", "value": {"resolution_hours": 48}},
        {"type": "assign_round_robin", "value": team.pk},
    ]


def test_the_settings_page_shows_an_unreadable_value_on_its_row(tenant_a, admin_a):
    answer = post_rule(
        client_for(admin_a, HOST_A),
        actions=[{"type": "email_customer", "value": "No such template"}],
    )
    assert answer.status_code == 400
    assert "Nothing here is called “No such template”." in answer.content.decode()
    with scope(tenant=tenant_a):
        assert not Trigger.objects.exists()


def test_the_api_takes_the_new_actions_and_names_a_bad_one(api_a, tenant_a):
    body = {
        "name": "Bug: 48 h and a task",
        "event": "ticket.created",
        "conditions": {"all": [], "any": []},
        "actions": [
            {"type": "sla_target", "value": {"resolution_hours": 48}},
            {"type": "follow_up", "value": {"hours": 72}},
            {"type": "webhook", "value": ""},
        ],
    }
    created = api_a.post("/api/v1/triggers/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    body["actions"][1]["value"]["hours"] = -1
    refused = api_a.post("/api/v1/triggers/", body, content_type="application/json")
    assert refused.status_code == 400
    assert "actions[1].value" in str(refused.json())
