"""CSRF: every POST on a tenant host without the token is refused and changes nothing, for a
signed-in admin (the most a forged request could borrow). The API wants the token as well
when it is used through the browser session; an API token needs none."""

import json

from django.test import Client
from django.urls import reverse
from django_scopes import scope

from tests.conftest import HOST_A, sign_in_on_host
from tests.helpdesk.test_tenant_isolation import objects_a  # noqa: F401 - the fixture
from tests.security.helpers import tenant_row_counts
from tests.url_catalogue import CSRF_EXEMPT_URL_NAMES, SAMPLE_KWARGS, tenant_routes
from tickets.models import Ticket

NEW_TICKET = {"subject": "Forged", "customer_email": "forged@example.test"}


def csrf_client(membership=None) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_HOST=HOST_A)
    if membership is not None:
        sign_in_on_host(client, membership.user)
    return client


def every_url(objects):
    """Each URL pattern of the tenant host, pointing at tenant A's objects. A pattern without
    sample arguments fails ``test_it_knows_sample_arguments_for_every_url_with_parameters``."""
    for route in tenant_routes():
        if route.params and route.name not in SAMPLE_KWARGS:
            continue
        kwargs = SAMPLE_KWARGS[route.name](objects) if route.params else {}
        yield route.name, reverse(route.name, kwargs=kwargs)


def test_it_refuses_a_post_without_token_on_every_url(objects_a, admin_a, tenant_a):  # noqa: F811
    client = csrf_client(admin_a)
    before = tenant_row_counts(tenant_a)
    # Plausible form data, so a view that skipped the check would have something to save.
    data = {"body": "forged", "subject": "forged", "name": "forged", "status": "resolved"}
    urls = list(every_url(objects_a))
    accepted = []
    for name, url in urls:
        response = client.post(url, data)
        if response.status_code != 403 and name not in CSRF_EXEMPT_URL_NAMES:
            accepted.append((name, response.status_code))
    assert accepted == []
    assert len(urls) > 100  # pages, forms and API routes alike
    assert tenant_row_counts(tenant_a) == before
    assert client.get("/").status_code == 200  # still signed in: the refusal was for CSRF


def test_it_refuses_a_session_api_write_without_the_token(admin_a, tenant_a):
    client = csrf_client(admin_a)
    refused = client.post("/api/v1/tickets/", NEW_TICKET, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists()
    client.get("/tickets/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/tickets/",
        json.dumps(NEW_TICKET),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 201, accepted.content


def test_it_needs_no_csrf_token_with_an_api_token(admin_a, tenant_a):
    from helpdesk.services import api_token_create

    with scope(tenant=tenant_a):
        _token, key = api_token_create(membership=admin_a, name="erp")
    client = csrf_client()
    response = client.post(
        "/api/v1/tickets/",
        NEW_TICKET,
        content_type="application/json",
        headers={"Authorization": f"Token {key}"},
    )
    assert response.status_code == 201, response.content
