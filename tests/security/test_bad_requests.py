"""Requests no page or endpoint can use, refused before any view runs: a NUL in the address
or the query string (PostgreSQL cannot store it, and a filter that passed it on failed or cut
its answer short), a query string that is not UTF-8, a NUL in a JSON body, and an address
longer than the app's limit. Each is a 400 that says what is wrong, never a 5xx, and
nothing is written."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from tests.api.conftest import token_client
from tests.conftest import client_for
from tests.helpdesk.test_tenant_isolation import objects_a  # noqa: F401 - the fixture
from tests.security.helpers import tenant_row_counts
from tests.url_catalogue import SAMPLE_KWARGS, tenant_routes

NUL_TEXT = "Null characters are not allowed."


@pytest.fixture(autouse=True)
def _no_rate_limit():
    cache.clear()


def every_url(objects):
    for route in tenant_routes():
        if route.params and route.name not in SAMPLE_KWARGS:
            continue
        kwargs = SAMPLE_KWARGS[route.name](objects) if route.params else {}
        yield route.name, reverse(route.name, kwargs=kwargs)


def test_the_reports_refuse_a_nul_in_the_channel_filter(admin_a):
    client = client_for(admin_a)
    for url in ("/reports/", "/reports/export/tickets.csv", "/reports/export/kpis.csv"):
        response = client.get(url, {"channel": "phone\x00"})
        assert response.status_code == 400, url
        assert NUL_TEXT in response.content.decode()


def test_the_reports_ignore_a_channel_that_is_not_one(admin_a):
    response = client_for(admin_a).get("/reports/export/tickets.csv", {"channel": "fax' OR 1"})
    assert response.status_code == 200


def test_every_url_refuses_a_nul_in_the_query_string(objects_a, admin_a, tenant_a):  # noqa: F811
    client = client_for(admin_a)
    before = tenant_row_counts(tenant_a)
    answered = {}
    for name, url in every_url(objects_a):
        for query in ("q=%00", "status=open%00", "x%00=1", "page=1&search=a%00b"):
            response = client.get(f"{url}?{query}")
            if response.status_code != 400 or NUL_TEXT not in response.content.decode():
                answered[name, query] = response.status_code
    assert answered == {}
    assert tenant_row_counts(tenant_a) == before


def test_the_api_answers_a_nul_in_the_query_string_as_json(admin_a):
    response = token_client(admin_a).get("/api/v1/tickets/", {"search": "a\x00"})
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_TEXT}


@pytest.mark.parametrize(
    "body",
    [
        '{"subject": "Leak\\u0000", "customer_email": "a@example.test"}',
        '{"subject": "Leak", "customer_email": "a@example.test", "tags": ["\\u0000"]}',
        '{"subject": "Leak", "customer_email": "a@example.test", "cu\\u0000stom": 1}',
        '{"subject": "Leak", "customer_email": "a@example.test", "x": {"a": "\\u0000"}}',
    ],
)
def test_the_api_refuses_a_nul_anywhere_in_a_json_body(admin_a, tenant_a, body):
    api = token_client(admin_a)
    before = tenant_row_counts(tenant_a)
    response = api.post("/api/v1/tickets/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_TEXT}
    assert tenant_row_counts(tenant_a) == before


def test_an_escaped_backslash_before_u0000_is_no_nul(admin_a, tenant_a):
    body = '{"subject": "C:\\\\u0000 path", "customer_email": "a@example.test"}'
    response = token_client(admin_a).post("/api/v1/tickets/", body, content_type="application/json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("query", ["q=%FF%FE", "q=%C0%80", "q=%ED%A0%80", "%FF=1"])
def test_it_refuses_a_query_string_that_is_not_utf_8(admin_a, query):
    for url, api in (("/tickets/", False), ("/api/v1/tickets/", True)):
        client = token_client(admin_a) if api else client_for(admin_a)
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400
        text = "The address is not valid UTF-8."
        assert response.json() == {"detail": text} if api else text in response.content.decode()


def test_it_refuses_an_address_longer_than_the_limit_with_a_400(admin_a):
    limit = settings.HELPDESK_MAX_URL_LENGTH
    client = client_for(admin_a)
    assert client.get("/tickets/", {"q": "x" * (limit - 20)}).status_code == 200
    for url, api in (("/tickets/", False), ("/api/v1/tickets/", True)):
        client = token_client(admin_a) if api else client_for(admin_a)
        response = client.get(url, {"q": "x" * limit})
        assert response.status_code == 400
        text = f"The address is longer than {limit} characters."
        assert response.json() == {"detail": text} if api else text in response.content.decode()


@pytest.mark.parametrize("value", ["²", "٣", "9" * 40, "-1"])
def test_the_reports_ignore_a_number_filter_that_is_not_a_plain_number(admin_a, value):
    response = client_for(admin_a).get("/reports/export/tickets.csv", {"team": value})
    assert response.status_code == 200
