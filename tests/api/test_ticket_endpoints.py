"""Tickets through the API: auth, create, read, filter, page, change; role limits."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from customers.models import Customer, Tier
from helpdesk.models import CertificationStage, Role
from helpdesk.services import tenant_seed_defaults
from tests.api.conftest import patch_json, post_json, token_client
from tests.conftest import client_for
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
)
from tests.tickets.helpers import make_category, make_customer, make_ticket
from tickets import services
from tickets.models import Channel, Priority, Status, Ticket, TicketEvent

TICKETS = "/api/v1/tickets/"


def url(number, tail=""):
    return f"{TICKETS}{number}/{tail}"


def numbers(response):
    return [row["number"] for row in response.json()["results"]]


def aware(text: str) -> bool:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is not None


# --- authentication -----------------------------------------------------------------------------


def test_it_answers_a_token_and_a_session(api_a, admin_client_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, actor=admin_a)
    assert numbers(api_a.get(TICKETS)) == [ticket.number]
    assert numbers(admin_client_a.get(TICKETS)) == [ticket.number]


def test_it_asks_an_anonymous_caller_to_authenticate(tenant_a):
    response = client_for(None).get(TICKETS)
    assert response.status_code == 401
    assert "detail" in response.json()


# --- create -------------------------------------------------------------------------------------


def test_it_creates_a_ticket_and_a_customer_for_a_new_email(api_a, tenant_a):
    response = post_json(
        api_a,
        TICKETS,
        {
            "subject": "Washer leaks",
            "customer_email": "New.Person@Example.com",
            "customer_name": "New Person",
            "priority": "high",
            "tags": ["leak", "wm-800"],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["customer"]["email"] == "new.person@example.com"
    assert body["customer"]["name"] == "New Person"
    assert (body["priority"], body["channel"], body["status"]) == ("high", "api", "new")
    assert body["tags"] == ["leak", "wm-800"]
    assert aware(body["created_at"]) and aware(body["updated_at"])
    assert body["sla"]["colour"] in {"green", "none"}
    with scope(tenant=tenant_a):
        ticket = Ticket.objects.get(number=body["number"])
        assert ticket.customer.tenant_id == tenant_a.pk
        assert ticket.events.filter(action="created").count() == 1


def test_it_reuses_the_customer_of_a_known_email(api_a, tenant_a):
    with scope(tenant=tenant_a):
        known = make_customer(tenant_a, email="li.lei@example.test")
    response = post_json(api_a, TICKETS, {"subject": "Hi", "customer_email": "LI.LEI@example.test"})
    assert response.status_code == 201
    assert response.json()["customer"]["id"] == known.pk
    with scope(tenant=tenant_a):
        assert Customer.objects.count() == 1


def test_it_creates_a_ticket_for_a_customer_id(api_a, tenant_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
        category = make_category(tenant_a)
    response = post_json(
        api_a, TICKETS, {"subject": "Dryer noisy", "customer": customer.pk, "category": category.pk}
    )
    assert response.status_code == 201
    assert response.json()["customer"]["id"] == customer.pk
    assert response.json()["category"] == {"id": category.pk, "name": category.name}


def test_it_answers_a_create_with_what_a_read_of_the_ticket_returns(
    api_a, tenant_a, team_a, agent_a
):
    # The response is built from the new ticket in memory, not read back: every relation of
    # the representation is filled here (routing, rule escalation, SLA policy, tags).
    with scope(tenant=tenant_a):
        agent_a.certification_stage = CertificationStage.CERTIFIED
        agent_a.save(update_fields=["certification_stage"])
        customer = make_customer(tenant_a, tier_code="vip", is_vip=True)
        category = make_category(tenant_a, team=team_a)
        tenant_seed_defaults(tenant_a)  # the SLA policies
    payload = {"subject": "Dryer noisy", "customer": customer.pk, "category": category.pk}
    response = post_json(api_a, TICKETS, {**payload, "tags": ["noise", "dryer"]})
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["assignee"]["id"] == agent_a.pk
    assert created["team"]["id"] == team_a.pk
    assert created["customer"]["tier"] is not None
    assert created["sla"]["policy"] is not None
    assert [e["level"] for e in created["escalations"]] == ["rule"]
    assert created == api_a.get(url(created["number"])).json()


def test_it_treats_another_tenants_customer_id_as_unknown(api_a, tenant_b):
    foreign = CustomerFactory(tenant=tenant_b)
    response = post_json(api_a, TICKETS, {"subject": "x", "customer": foreign.pk})
    unknown = post_json(api_a, TICKETS, {"subject": "x", "customer": foreign.pk + 1000})
    assert response.status_code == unknown.status_code == 400
    message = response.json()["customer"][0]
    assert message == unknown.json()["customer"][0].replace(str(foreign.pk + 1000), str(foreign.pk))
    assert foreign.name not in response.content.decode()


def test_it_wants_exactly_one_way_to_name_the_customer(api_a, tenant_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
    neither = post_json(api_a, TICKETS, {"subject": "x"})
    both = post_json(
        api_a, TICKETS, {"subject": "x", "customer": customer.pk, "customer_email": "a@b.test"}
    )
    assert neither.status_code == both.status_code == 400
    assert "customer" in neither.json() and "customer" in both.json()


# --- read, filter, order, page ---------------------------------------------------------------


def test_it_shows_a_ticket_by_number_with_its_sla_state(api_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, actor=admin_a, priority=Priority.URGENT)
    body = api_a.get(url(ticket.number)).json()
    assert body["number"] == ticket.number
    assert set(body["sla"]) >= {"colour", "first_response_due_at", "resolution_due_at"}
    assert body["sla"]["first_response_due_at"] is None or aware(
        body["sla"]["first_response_due_at"]
    )
    assert isinstance(body["escalations"], list)


def test_it_filters_the_list(api_a, tenant_a, admin_a, team_a, agent_a):
    with scope(tenant=tenant_a):
        gold = Tier.objects.create(tenant=tenant_a, code="gold", name="Gold")
        vip = Customer.objects.create(tenant=tenant_a, name="V", email="v@x.test", tier=gold)
        category = make_category(tenant_a, name="Billing", team=team_a)
        plain = make_ticket(tenant_a, subject="plain", channel=Channel.PHONE)
        urgent = make_ticket(
            tenant_a, subject="urgent", priority=Priority.URGENT, customer=vip, category=category
        )
        services.ticket_assign(ticket=urgent, actor=admin_a, assignee=agent_a)
        services.ticket_change_status(ticket=plain, actor=admin_a, status=Status.PENDING)
    cases = {
        "status=pending": [plain.number],
        "status=pending&status=new": [urgent.number, plain.number],
        "priority=urgent": [urgent.number],
        "channel=phone": [plain.number],
        f"category={category.pk}": [urgent.number],
        f"team={team_a.pk}": [urgent.number],
        f"assignee={agent_a.pk}": [urgent.number],
        f"tier={gold.pk}": [urgent.number],
        "unassigned=true": [plain.number],
        f"customer={vip.pk}": [urgent.number],
    }
    for query, expected in cases.items():
        assert numbers(api_a.get(f"{TICKETS}?{query}")) == expected, query


def test_it_filters_by_time_range_and_sla_colour(api_a, tenant_a):
    with scope(tenant=tenant_a):
        old = make_ticket(tenant_a, created_at=timezone.now() - timedelta(days=10))
        new = make_ticket(tenant_a)
        colour = new.sla.colour
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert numbers(api_a.get(TICKETS, {"created_after": since})) == [new.number]
    assert numbers(api_a.get(TICKETS, {"created_before": since})) == [old.number]
    assert numbers(api_a.get(TICKETS, {"updated_after": since})) == [new.number]
    assert new.number in numbers(api_a.get(TICKETS, {"sla_colour": colour}))
    assert numbers(api_a.get(TICKETS, {"sla_colour": "paused"})) == []


def test_it_orders_by_number_on_request_and_ignores_unsafe_fields(api_a, tenant_a):
    with scope(tenant=tenant_a):
        first = make_ticket(tenant_a, created_at=timezone.now())
        second = make_ticket(tenant_a, created_at=timezone.now() - timedelta(hours=1))
    assert numbers(api_a.get(TICKETS)) == [first.number, second.number]
    assert numbers(api_a.get(TICKETS, {"ordering": "-number"})) == [second.number, first.number]
    # Not an allowed ordering: the default order, not an error and not a leak of the field.
    assert numbers(api_a.get(TICKETS, {"ordering": "customer__email"})) == [
        first.number,
        second.number,
    ]


def test_it_pages_without_duplicates_or_gaps_while_tickets_arrive(api_a, tenant_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
        existing = [make_ticket(tenant_a, customer=customer).number for _ in range(7)]
    seen = []
    response = api_a.get(TICKETS, {"page_size": 3})
    while True:
        body = response.json()
        assert "count" not in body
        seen += [row["number"] for row in body["results"]]
        with scope(tenant=tenant_a):  # new tickets land on the first page, not in between
            make_ticket(tenant_a, customer=customer)
        if body["next"] is None:
            break
        response = api_a.get(body["next"])
    assert seen == sorted(existing, reverse=True)


def test_it_caps_the_page_size_at_100(api_a, tenant_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
    TicketFactory.create_batch(102, tenant=tenant_a, customer=customer)
    assert len(api_a.get(TICKETS, {"page_size": 500}).json()["results"]) == 100
    assert len(api_a.get(TICKETS).json()["results"]) == 25


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT])
def test_it_lists_in_a_constant_number_of_queries(
    tenant_a, team_a, agent_a, admin_a, role, django_assert_max_num_queries
):
    member = admin_a if role == Role.ADMIN else agent_a
    client = token_client(member)
    with scope(tenant=tenant_a):
        gold = Tier.objects.create(tenant=tenant_a, code="gold", name="Gold")
        category = make_category(tenant_a, team=team_a)

    def add(count):
        with scope(tenant=tenant_a):
            first = Customer.objects.count()  # addresses are unique: carry on numbering
            for i in range(first, first + count):
                customer = Customer.objects.create(
                    tenant=tenant_a, name=f"c{i}", email=f"c{i}@x.test", tier=gold
                )
                make_ticket(tenant_a, customer=customer, category=category, tags=["a", "b"])

    add(2)
    client.get(TICKETS)  # the tenant and its directory into the cache
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(TICKETS).json()["results"]) == 2
    # auth (token with its membership), the page with its joins, the tags
    assert len(few.captured_queries) <= 8
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(TICKETS).json()["results"]) == 22


# --- change -----------------------------------------------------------------------------------


def test_it_changes_each_field_through_its_service(api_a, tenant_a, admin_a, agent_a, team_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, actor=admin_a)
        category = make_category(tenant_a, name="Billing")
    changes = {
        "status": "open",
        "priority": "urgent",
        "category": category.pk,
        "team": team_a.pk,
        "assignee": agent_a.pk,
        "tags": ["vip", "callback"],
    }
    for field, value in changes.items():
        response = patch_json(api_a, url(ticket.number), {field: value})
        assert response.status_code == 200, (field, response.json())
    body = response.json()
    assert (body["status"], body["priority"]) == ("open", "urgent")
    assert (body["category"]["id"], body["team"]["id"]) == (category.pk, team_a.pk)
    assert body["assignee"]["email"] == "agent@acme.test"
    assert body["tags"] == ["callback", "vip"]
    with scope(tenant=tenant_a):
        fields = set(TicketEvent.objects.filter(ticket=ticket).values_list("field", flat=True))
    assert fields >= {"status", "priority", "category", "team", "assignee", "tags"}


def test_it_unassigns_with_null(api_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
        services.ticket_assign(ticket=ticket, actor=admin_a, assignee=admin_a)
    response = patch_json(api_a, url(ticket.number), {"assignee": None})
    assert response.status_code == 200
    assert response.json()["assignee"] is None


def test_it_refuses_an_illegal_transition_naming_status_and_changes_nothing(
    api_a, tenant_a, admin_a
):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
        services.ticket_change_status(ticket=ticket, actor=admin_a, status=Status.RESOLVED)
        services.ticket_change_status(ticket=ticket, actor=admin_a, status=Status.CLOSED)
    response = patch_json(api_a, url(ticket.number), {"priority": "urgent", "status": "open"})
    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == (Status.CLOSED, Priority.NORMAL)


def test_it_names_the_field_of_an_unknown_or_foreign_id(api_a, tenant_a, tenant_b):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
    foreign_team = TeamFactory(tenant=tenant_b)
    foreign_member = MembershipFactory(tenant=tenant_b)
    for field, value in {
        "team": foreign_team.pk,
        "assignee": foreign_member.pk,
        "category": 987654,
        "status": "bogus",
        "tags": "not-a-list",
    }.items():
        response = patch_json(api_a, url(ticket.number), {field: value})
        assert response.status_code == 400, field
        assert field in response.json(), field


def test_it_refuses_put_and_delete(api_a, tenant_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
    assert api_a.put(url(ticket.number), {}, content_type="application/json").status_code == 405
    assert api_a.delete(url(ticket.number)).status_code == 405


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [CertificationStage.TRAINEE, CertificationStage.CERTIFIED])
def test_it_hides_another_teams_ticket_from_an_agent(tenant_a, team_a, stage):
    agent = MembershipFactory(
        tenant=tenant_a,
        user=UserFactory(email=f"{stage}@acme.test"),
        role=Role.AGENT,
        certification_stage=stage,
    )
    billing = TeamFactory(tenant=tenant_a, name="Billing")
    with scope(tenant=tenant_a):
        billing.members.add(agent)
        theirs = make_ticket(tenant_a, category=make_category(tenant_a, team=team_a))
        ours = make_ticket(tenant_a, category=make_category(tenant_a, name="Bills", team=billing))
    client = token_client(agent)
    assert numbers(client.get(TICKETS)) == [ours.number]
    for tail in ("", "messages/", "events/"):
        path = url(theirs.number, tail)
        assert client.get(path).status_code == 404, path
    assert patch_json(client, url(theirs.number), {"priority": "low"}).status_code == 404
    assert post_json(client, url(theirs.number, "messages/"), {"body": "hi"}).status_code == 404
    assert client.get(url(ours.number)).status_code == 200


def test_it_filters_by_times_with_any_offset_python_accepts(api_a, tenant_a):
    # PostgreSQL takes offsets up to ±15:59 only: the filter converts to UTC before the query.
    with scope(tenant=tenant_a):
        make_ticket(tenant_a, subject="Kettle")
    far_west = api_a.get(TICKETS, {"created_after": "2016-06-16T12:16:37-18:45"})
    assert far_west.status_code == 200
    assert [t["subject"] for t in far_west.json()["results"]] == ["Kettle"]


@pytest.mark.parametrize("param", ["team", "assignee", "category", "customer", "tier"])
def test_it_refuses_a_fractional_id_in_a_filter(api_a, param):
    response = api_a.get(TICKETS, {param: "0.5"})
    assert response.status_code == 400
    assert list(response.json()) == [param]
