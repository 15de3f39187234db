"""A ticket's API representation is built straight from the loaded rows, not field by field;
it must stay exactly what DRF makes of the documented serializers: the same keys in the same
order, the same values, the same JSON, whatever the ticket holds."""

import json
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from customers.models import Customer, Tier
from helpdesk.api import datetime_representation
from helpdesk.services import tenant_seed_defaults
from sla.api import TicketDetailSerializer, TicketSerializer
from sla.models import Colour, Escalation, Level, Target, TicketSla
from tests.api.conftest import post_json, token_client
from tests.factories import CustomerFactory, MembershipFactory, TicketFactory, UserFactory
from tests.tickets.helpers import make_category
from tickets import selectors, services
from tickets.models import Priority, Ticket

TICKETS = "/api/v1/tickets/"
PING = "/api/v1/ping/"
ZONES = ["UTC", "Asia/Shanghai", "America/St_Johns"]  # +00:00 as Z, +08:00, -03:30 / -02:30

AT = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
# The SLA row of one ticket per colour, as the SLA engine leaves it in that state.
SLA_STATES = {
    Colour.GREEN: {},
    Colour.AMBER: {"next_deadline_at": AT + timedelta(minutes=5)},
    Colour.RED: {
        "first_response_breached_at": AT,
        "next_response_breached_at": AT.replace(microsecond=0),
        "resolution_breached_at": AT + timedelta(days=1, microseconds=1),
        "is_escalated": True,
    },
    Colour.MET: {"next_deadline_at": None},
    Colour.PAUSED: {"paused_since": AT, "next_deadline_at": None},
    Colour.NONE: {
        "policy": None,
        "first_response_due_at": None,
        "next_response_due_at": None,
        "resolution_due_at": None,
        "next_deadline_at": None,
    },
}


def field_by_field(serializer_class, ticket) -> dict:
    """What DRF itself makes of the ticket: each declared field of the serializer in turn."""
    return serializers.ModelSerializer.to_representation(serializer_class(), ticket)


def read(member, number: int) -> Ticket:
    """The whole ticket as the API reads one (every column, every relation)."""
    return selectors.ticket_get_for_api(member=member, number=number)


def as_json(data) -> str:
    return JSONRenderer().render(data).decode()


@pytest.fixture
def tickets_a(tenant_a, admin_a, agent_a, team_a) -> list[int]:
    """Numbers of tickets that between them give each field every kind of value it can hold:
    null, empty, Chinese text, with and without microseconds, each SLA colour."""
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        bare = _bare_ticket(tenant_a)
        full, *merged = _full_and_merged_tickets(tenant_a, admin_a, agent_a, team_a)
        coloured = [_ticket_in_colour(tenant_a, admin_a, colour) for colour in SLA_STATES]
    return [bare.number, full.number, *(t.number for t in (*merged, *coloured))]


def _bare_ticket(tenant) -> Ticket:
    """No SLA row, category, team, assignee, tags or tier; empty texts; nulls wherever allowed."""
    customer = CustomerFactory(tenant=tenant, name="", email="", phone="", key_info="")
    return TicketFactory(tenant=tenant, customer=customer, subject="Bare", description="")


def _full_and_merged_tickets(tenant, admin, agent, team) -> list[Ticket]:
    """A ticket with a value in every field, and two duplicates merged into it (more than one
    ticket of a page with a team, an assignee, a merged-into ticket: a relation read row by
    row instead of prefetched costs more than one query)."""
    vip = Tier.objects.get(code="vip")
    customer = Customer.objects.create(
        tenant=tenant,
        name="李雷",
        email="li.lei@example.test",
        phone="+86 138 0000 0000",
        tier=vip,
        key_info="老客户，脾气急 — prefers calls",
    )
    category = make_category(tenant, name="维修 Repair", team=team)
    full = services.ticket_create(
        tenant=tenant,
        customer=customer,
        subject="洗衣机漏水 washer leaks",
        description="每次洗完衣服地上都有水。\nWater after every wash.",
        priority=Priority.URGENT,
        category=category,
        actor=admin,
        product_model="WM-800 洗衣机",
        fault_symptom="漏水",
        tags=["漏水", "urgent", "a-b"],
    )
    services.ticket_assign(ticket=full, actor=admin, assignee=agent)
    duplicates = [
        services.ticket_create(
            tenant=tenant, customer=customer, subject=subject, category=category, actor=admin
        )
        for subject in ("又漏水了", "Still leaking")
    ]
    for duplicate in duplicates:
        services.ticket_merge(source=duplicate, target=full, actor=admin)
    Ticket.objects.filter(pk=full.pk).update(
        first_responded_at=AT,
        resolved_at=AT.replace(microsecond=0) + timedelta(days=1),
        closed_at=AT + timedelta(days=2, microseconds=1),
        expected_handled_by=datetime(2026, 3, 1, 0, 0, tzinfo=dt_timezone(timedelta(hours=8))),
        reopened_count=2,
    )
    return [full, *duplicates]


def _ticket_in_colour(tenant, admin, colour: str) -> Ticket:
    """A ticket whose SLA row is in ``colour``; the breached one has escalations, and the
    tickets take turns with a customer of a tier and one without, an assignee with a name and
    one without."""
    tier = None if colour in (Colour.GREEN, Colour.MET) else Tier.objects.get(code="regular")
    customer = CustomerFactory(tenant=tenant, name=f"Customer {colour}", tier=tier)
    ticket = services.ticket_create(
        tenant=tenant, customer=customer, subject=f"SLA {colour}", actor=admin
    )
    TicketSla.objects.filter(ticket=ticket).update(colour=colour, **SLA_STATES[colour])
    if colour == Colour.RED:
        _escalate(ticket)
    if colour == Colour.AMBER:
        nameless = MembershipFactory(tenant=tenant, user=UserFactory(full_name=""))
        Ticket.objects.filter(pk=ticket.pk).update(assignee=nameless, category=None)
    return ticket


def _escalate(ticket: Ticket) -> None:
    for level, due_at, reason in (
        (Level.WARNING, AT, ""),
        (Level.BREACH, AT.replace(microsecond=0), "超时 overdue"),
        (Level.MANAGER, None, "Escalated to the manager"),
    ):
        Escalation.objects.create(
            tenant_id=ticket.tenant_id,
            ticket=ticket,
            target=Target.RESOLUTION,
            cycle=1,
            level=level,
            reason=reason,
            due_at=due_at,
            created_at=AT + timedelta(seconds=len(reason)),
        )


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("serializer_class", [TicketSerializer, TicketDetailSerializer])
def test_it_builds_each_ticket_exactly_as_drf_would(
    tenant_a, admin_a, tickets_a, zone, serializer_class
):
    with scope(tenant=tenant_a), timezone.override(zone):
        for number in tickets_a:
            ticket = read(admin_a, number)
            built = serializer_class(ticket).data
            expected = field_by_field(serializer_class, ticket)
            assert built == expected, number
            assert as_json(built) == as_json(expected), number  # same key order, same bytes


def test_it_covers_every_shape_a_field_can_take(tenant_a, admin_a, tickets_a):
    """The tickets above are only worth comparing if they hold what they claim to."""
    with scope(tenant=tenant_a):
        rows = [field_by_field(TicketDetailSerializer, read(admin_a, n)) for n in tickets_a]
    assert {row["sla"]["colour"] for row in rows if row["sla"]} == set(Colour.values)
    assert any(row["sla"] is None for row in rows)
    assert {row["customer"]["tier"] is None for row in rows} == {True, False}
    assert {row["assignee"] is None for row in rows} == {True, False}
    assert any(
        row["assignee"] and row["assignee"]["name"] == row["assignee"]["email"] for row in rows
    )
    assert {row["category"] is None for row in rows} == {True, False}
    assert {row["merged_into"] is None for row in rows} == {True, False}
    assert {bool(row["tags"]) for row in rows} == {True, False}
    assert {len(row["escalations"]) for row in rows} >= {0, 3}
    assert {row["expected_handled_by"] is None for row in rows} == {True, False}


def test_it_lists_the_same_json_drf_makes_of_whole_rows(tenant_a, admin_a, tickets_a):
    """The list reads fewer columns than a ticket has, in a constant number of queries."""
    client = token_client(admin_a)
    client.get(PING)  # the first use of a token records it
    with CaptureQueriesContext(connection) as auth_only:
        client.get(PING)
    client.get(TICKETS)  # the first list reads the tenant's directory into the cache
    with CaptureQueriesContext(connection) as listing:
        response = client.get(TICKETS, {"page_size": 100})
    with scope(tenant=tenant_a):
        expected = [
            field_by_field(TicketSerializer, read(admin_a, n))
            for n in sorted(tickets_a, reverse=True)
        ]
    listed = response.json()["results"]
    assert sorted(row["number"] for row in listed) == sorted(tickets_a)
    listed.sort(key=lambda row: row["number"], reverse=True)
    assert json.dumps(listed) == json.dumps(json.loads(as_json(expected)))
    # The page, then one query each: SLA policies, merged-into tickets, tags; the teams and
    # assignees are named from the tenant's cached directory.
    assert len(listing) == len(auth_only) + 4


def test_it_answers_a_creation_with_what_a_read_then_returns(tenant_a, admin_a, team_a):
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        customer = Customer.objects.create(
            tenant=tenant_a, name="韩梅梅", tier=Tier.objects.get(code="vip")
        )
        category = make_category(tenant_a, name="安装", team=team_a)
    client = token_client(admin_a)
    body = {"subject": "装不上", "customer": customer.pk, "category": category.pk, "tags": ["新"]}
    created = post_json(client, TICKETS, body)
    assert created.status_code == 201
    read = client.get(f"{TICKETS}{created.json()['number']}/")
    assert created.json()["escalations"] and created.json()["sla"]["policy"]  # a full answer
    assert created.content == read.content


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    "value",
    [
        None,
        AT,
        AT.replace(microsecond=0),
        datetime(2026, 1, 1, tzinfo=dt_timezone(timedelta(hours=8))),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt_timezone(-timedelta(hours=5))),
        datetime(2026, 7, 1, 12, 0),  # naive
        "2026-03-01T08:30:15Z",  # already text
    ],
)
def test_it_formats_a_datetime_as_drf_does(value, zone):
    with timezone.override(zone):
        expected = serializers.DateTimeField().to_representation(value) if value else None
        assert datetime_representation(value, timezone.get_current_timezone()) == expected


def test_the_list_names_a_renamed_team_and_a_deactivated_assignee(
    tenant_a, admin_a, agent_a, team_a
):
    """Teams and assignees come from the tenant's cached directory: a rename shows at once,
    and a member no longer in it (deactivated) is read from the database."""
    TicketFactory(tenant=tenant_a, team=team_a, assignee=agent_a)
    client = token_client(admin_a)
    client.get(TICKETS)  # fills the cache
    with scope(tenant=tenant_a):
        team_a.name = "Field repairs"
        team_a.save()
        agent_a.is_active = False
        agent_a.save()
    (row,) = client.get(TICKETS).json()["results"]
    assert row["team"] == {"id": team_a.pk, "name": "Field repairs"}
    user = agent_a.user
    assert row["assignee"] == {"id": agent_a.pk, "email": user.email, "name": str(user)}
