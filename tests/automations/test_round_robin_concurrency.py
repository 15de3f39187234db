"""Round-robin turns taken at once on PostgreSQL: the team's pointer row is locked while the
next member is chosen, so no two tickets go to the same member. (Ticket creation happens to
be serialised by the ticket number, so the turns are taken directly here.) SQLite serialises
writers, so there is no race to prove there."""

import pytest
from django.db import connection
from django_scopes import scope

from automations.actions import round_robin_next
from automations.models import RoundRobin
from tests.concurrency import run_at_once
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent writers and row locks; SQLite runs one at a time",
    ),
]
AT_ONCE = 4


@pytest.mark.parametrize("pointer", ["new", "existing"])
def test_turns_taken_at_once_go_to_different_members(tenant_a, pointer):
    with scope(tenant=tenant_a):
        team = TeamFactory(tenant=tenant_a, name="Hotline")
        members = [MembershipFactory(tenant=tenant_a, user=UserFactory()) for _ in range(AT_ONCE)]
        team.members.add(*members)
        if pointer == "existing":
            RoundRobin.objects.create(tenant=tenant_a, team=team, last_member=members[-1])

    def take_turn(_i):
        with scope(tenant=tenant_a):
            return round_robin_next(team).pk

    assignees, errors = run_at_once(take_turn, AT_ONCE)

    assert errors == []
    assert sorted(assignees) == sorted(m.pk for m in members)
