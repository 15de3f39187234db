"""Who is told when something needs someone in charge: one rule for SLA, incidents and surges."""

from django_scopes import scope

from helpdesk.models import Role
from helpdesk.selectors import tenant_managers
from helpdesk.tenancy import across_tenants
from tests.factories import MembershipFactory, UserFactory


def _member(tenant, email, role, **extra):
    return MembershipFactory(tenant=tenant, user=UserFactory(email=email), role=role, **extra)


def test_it_includes_active_admins_and_managers_only(tenant_a, admin_a, agent_a):
    manager = _member(tenant_a, "boss@acme.test", Role.MANAGER)
    _member(tenant_a, "gone@acme.test", Role.MANAGER, is_active=False)
    _member(tenant_a, "lead@acme.test", Role.TEAM_LEAD)
    with scope(tenant=tenant_a):
        assert list(tenant_managers()) == [admin_a, manager]
        assert list(tenant_managers(tenant=tenant_a)) == [admin_a, manager]


def test_it_keeps_to_the_tenant_asked_for(tenant_a, tenant_b, admin_a):
    with scope(tenant=tenant_b):
        other = _member(tenant_b, "boss@globex.test", Role.MANAGER)
        assert list(tenant_managers()) == [other]
    with across_tenants():
        assert list(tenant_managers(tenant=tenant_a)) == [admin_a]
        assert set(tenant_managers()) == {admin_a, other}
