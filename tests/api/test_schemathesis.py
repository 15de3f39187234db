"""Schemathesis against the app's own OpenAPI schema: every operation, all built-in checks.

The schema is the one ``/api/schema/`` serves (drf-spectacular), loaded with
``schemathesis.openapi.from_dict`` and run in-process through the WSGI app, with a token of
tenant A's admin over a seeded tenant (SLA defaults, a team, a category, customers, tickets).
A server error or a response the schema does not describe fails the test. Hypothesis is
bounded (few examples, derandomised, no deadline) so the whole run stays under two minutes.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django_scopes import scope
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.specs.openapi.checks import positive_data_acceptance

from helpdesk.services import api_token_create, tenant_seed_defaults
from tests.conftest import HOST_A
from tests.factories import CategoryFactory, CustomerFactory
from tickets import services as ticket_services


def load_schema():
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = get_wsgi_application()
    return loaded


schema = load_schema()


@pytest.fixture
def test_transaction_kept_open():
    """Django's test client does the same: a request's end must not close the connection
    that holds the test's transaction (PostgreSQL; SQLite's in-memory one is never closed)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded_token(test_transaction_kept_open, tenant_a, admin_a, team_a, monkeypatch):
    """Tenant A with its defaults and a few rows; the admin's token. No throttling here: the
    throttle has its own tests, and hundreds of generated requests would trip it."""
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"tenant": "100000/minute", "token": "100000/minute"}
    )
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        category = CategoryFactory(tenant=tenant_a, team=team_a)
        for index in range(3):
            ticket_services.ticket_create(
                tenant=tenant_a,
                customer=CustomerFactory(tenant=tenant_a),
                subject=f"Seeded {index}",
                category=category,
                actor=admin_a,
            )
        _token, key = api_token_create(membership=admin_a, name="schemathesis")
    return key


@schema.parametrize()
@hypothesis_settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_it_answers_every_operation_as_its_schema_says(case, seeded_token):
    case.call_and_validate(
        base_url=f"http://{HOST_A}",
        headers={"Authorization": f"Token {seeded_token}"},
        # Schema-valid input the API rightly refuses with 400: ids that do not exist in the
        # tenant (``category: 3``) and rules across fields ("a name, an e-mail or a phone").
        # A schema cannot express either; every other built-in check runs.
        excluded_checks=[positive_data_acceptance],
    )
