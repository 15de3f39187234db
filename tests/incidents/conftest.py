import pytest
from django_scopes import scope

from helpdesk.models import Role
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _scope_a(tenant_a):
    with scope(tenant=tenant_a):
        yield


@pytest.fixture
def manager_a(tenant_a):
    return MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="manager@acme.test"), role=Role.MANAGER
    )


@pytest.fixture
def manager_client_a(manager_a):
    return client_for(manager_a)
