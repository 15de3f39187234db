"""The ticket history reads in the reader's language: codes are stored, labels shown."""

import pytest
from django.urls import reverse
from django.utils import translation
from django_scopes import scope

from helpdesk.audit import audit_record
from tests.conftest import client_for
from tests.factories import TicketFactory
from tickets.models import TicketEvent


@pytest.fixture
def ticket(tenant_a, team_a):
    return TicketFactory(tenant=tenant_a, team=team_a, subject="Washer leaks")


def history_of(member, ticket, language="en") -> str:
    client = client_for(member)
    client.cookies["django_language"] = language
    page = client.get(reverse("ticket_detail", args=[ticket.number])).content.decode()
    return page.split('id="history-title"')[1].split("</details>")[0]


def record_automatic_changes(ticket):
    with scope(tenant=ticket.tenant):
        audit_record(
            tenant=ticket.tenant_id,
            actor="SLA",
            action="sla_warning",
            target=ticket,
            field="first_response",
            webhooks=False,
        )
        audit_record(
            tenant=ticket.tenant_id,
            actor=None,
            action="assigned",
            target=ticket,
            field="assignee",
            new="Wang Fang",
            data={"reason": "routing"},
        )
        audit_record(
            tenant=ticket.tenant_id,
            actor="SLA",
            action="escalated",
            target=ticket,
            data={"reasons": ["VIP"]},
        )


def test_it_stores_the_system_actor_as_a_code_whatever_the_writers_language(ticket):
    with translation.override("zh-hans"), scope(tenant=ticket.tenant):
        row = audit_record(tenant=ticket.tenant_id, actor=None, action="status", target=ticket)
    assert row.actor_label == "System"


def test_it_shows_automatic_changes_in_english(agent_a, ticket):
    record_automatic_changes(ticket)
    history = history_of(agent_a, ticket)
    assert "<strong>SLA</strong> warned that an SLA target is near · First response" in history
    assert "<strong>System</strong> changed the assignee" in history
    assert "Reason: routed automatically" in history
    assert "escalated the ticket" in history and "Reason: VIP" in history
    for code in ("sla_warning", "routing", "escalated<"):
        assert code not in history


def test_it_shows_automatic_changes_in_chinese(agent_a, ticket):
    record_automatic_changes(ticket)
    history = history_of(agent_a, ticket, "zh-hans")
    assert "<strong>系统</strong>" in history
    assert "System" not in history and "sla_warning" not in history and "routing" not in history
    with translation.override("zh-hans"):
        expected = [
            translation.gettext("warned that an SLA target is near"),
            translation.gettext("First response"),
            translation.gettext("routed automatically"),
        ]
    for label in expected:
        assert label in history
    assert "warned that an SLA target is near" not in expected  # translated, not the msgid


def test_an_unknown_action_code_reads_as_words(agent_a, ticket):
    with scope(tenant=ticket.tenant):
        TicketEvent.objects.create(
            tenant=ticket.tenant, ticket=ticket, actor_label="System", action="future_thing"
        )
    assert "future thing" in history_of(agent_a, ticket)


def test_the_report_counts_created_tickets_under_a_label_that_is_not_a_time(admin_a):
    with translation.override("zh-hans"):
        count = translation.pgettext("number of tickets", "Created")
        time = translation.gettext("Created")
    assert count != time and "时间" not in count
