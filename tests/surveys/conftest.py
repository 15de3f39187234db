"""Tenant A with its default tiers and SLA policies, a team whose lead receives escalations,
and a way to get a ticket resolved through the ticket services (which invites the customer)."""

import pytest

from helpdesk.models import Role
from surveys.models import SurveyInvitation
from surveys.services import invitation_token
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.tickets.helpers import make_category, make_customer, make_ticket
from tickets import services


@pytest.fixture(autouse=True)
def _scope_a(seeded_scope_a):
    """Tenant A's default calendars, policies and rules, and its scope, for every test here."""


@pytest.fixture
def lead_a(tenant_a):
    return MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="lead@acme.test"), role=Role.TEAM_LEAD
    )


@pytest.fixture
def desk(tenant_a, agent_a, lead_a):
    team = TeamFactory(tenant=tenant_a, name="Desk", lead=lead_a)
    team.members.add(agent_a, lead_a)
    return team


@pytest.fixture
def resolve(tenant_a, agent_a, desk):
    """resolve(tier_code=…, email=…, language=…) → a ticket of the desk team, assigned to the
    agent, first answered and then resolved through the services."""
    counter = iter(range(1000))

    def make(*, tier_code="regular", email=None, language="", **kwargs):
        customer = make_customer(
            tenant_a, email=email or f"customer{next(counter)}@example.test", tier_code=tier_code
        )
        if language:
            customer.language = language
            customer.save(update_fields=["language"])
        category = make_category(tenant_a, name=f"Repair {next(counter)}", team=desk)
        ticket = make_ticket(tenant_a, customer=customer, category=category, **kwargs)
        services.ticket_assign(ticket=ticket, actor=agent_a, assignee=agent_a)
        services.ticket_reply(ticket=ticket, actor=agent_a, body="On it.")
        services.ticket_change_status(ticket=ticket, actor=agent_a, status="resolved")
        ticket.refresh_from_db()
        return ticket

    return make


def token_of(ticket) -> str:
    invitation = SurveyInvitation.objects.get(ticket=ticket, cycle=ticket.reopened_count)
    return invitation_token(invitation)


def survey_url(token: str) -> str:
    return f"/survey/{token}/"
