"""API fixtures: a token client acting as tenant A's admin, and JSON helpers."""

import pytest
from django.core.cache import cache
from django.test import Client
from django_scopes import scope

from helpdesk.services import api_token_create
from tests.conftest import HOST_A


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # The throttle counts in the cache; locmem caches outlive a test's settings.
    cache.clear()
    yield
    cache.clear()


def token_client(membership, host: str = HOST_A) -> Client:
    with scope(tenant=membership.tenant):
        _token, key = api_token_create(membership=membership, name="integration")
    return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def api_a(admin_a):
    """Tenant A's admin through an API token."""
    return token_client(admin_a)


@pytest.fixture
def agent_api_a(agent_a):
    return token_client(agent_a)


def post_json(client: Client, url: str, data, **headers):
    return client.post(url, data, content_type="application/json", headers=headers)


def patch_json(client: Client, url: str, data, **headers):
    return client.patch(url, data, content_type="application/json", headers=headers)
