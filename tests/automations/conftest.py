import pytest
from django_scopes import scope

from automations.models import Trigger
from helpdesk.services import tenant_seed_defaults
from tests.api.conftest import _fresh_throttle, agent_api_a, api_a  # noqa: F401 - fixtures
from tests.factories import TenantFactory


@pytest.fixture
def tenant_a(db):
    """The automation tests start from a desk without triggers, each making the ones it is
    about (``test_defaults`` tests the triggers a desk starts with)."""
    return TenantFactory(slug="acme", name="ACME", default_triggers=False)


@pytest.fixture
def seeded_scope_a(tenant_a):
    """Tenant A's default calendars, policies and tiers, without the default triggers."""
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        Trigger.objects.all().delete()
        yield
