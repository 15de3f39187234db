import pytest
from django.db import connection

from helpdesk.models import Role
from tests.factories import MembershipFactory, UserFactory

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL full-text search (ranking, Chinese bigrams); SQLite uses the fallback",
)


@pytest.fixture
def manager_a(tenant_a):
    return MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="manager@acme.test"), role=Role.MANAGER
    )
