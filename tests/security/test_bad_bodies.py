"""Bodies the desk cannot use: too large, text beyond a field's limit, JSON with a lone
surrogate, invalid UTF-8 or absurd nesting. Each gets a clear 4xx saying what is wrong,
never a 500, and nothing is created."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_scopes import scope

from customers.models import Customer
from helpdesk.platform.limits import TEXT_MAX_LENGTH
from tests.api.conftest import token_client
from tests.conftest import client_for
from tests.customers.helpers import web_form
from tests.security.helpers import tenant_row_counts
from tests.tickets.helpers import make_ticket
from tickets.models import Message, Ticket

TICKETS = "/api/v1/tickets/"


@pytest.fixture(autouse=True)
def _no_rate_limit():
    cache.clear()


@pytest.fixture
def ticket(tenant_a):
    with scope(tenant=tenant_a):
        return make_ticket(tenant_a)


@pytest.fixture
def api(admin_a):
    return token_client(admin_a)


def message_count(tenant) -> int:
    with scope(tenant=tenant):
        return Message.objects.count()


# --- larger than the request limit ---------------------------------------------------------------


def test_an_html_form_over_the_request_limit_gets_a_413_page(admin_a, ticket, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    url = reverse("ticket_reply", kwargs={"number": ticket.number})
    response = client_for(admin_a).post(url, {"body": "x" * 20_000, "kind": "public"})
    assert response.status_code == 413
    page = response.content.decode()
    assert "What you sent is larger than 9.8\xa0KB, so it was not read" in page
    assert message_count(ticket.tenant) == 0


def test_the_portal_form_over_the_request_limit_gets_a_413_page(tenant_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client_for().post("/support/", web_form(description="x" * 20_000))
    assert response.status_code == 413
    assert "nothing was saved" in response.content.decode()
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists() and not Customer.objects.exists()


@pytest.mark.parametrize("content_type", ["application/json", "multipart"])
def test_an_api_body_over_the_request_limit_gets_a_413(api, ticket, settings, content_type):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    url = f"/api/v1/tickets/{ticket.number}/messages/"
    body = {"body": "x" * 20_000}
    if content_type == "multipart":
        response = api.post(url, body)
    else:
        response = api.post(url, body, content_type=content_type)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}
    assert message_count(ticket.tenant) == 0


# --- longer than a field's limit -----------------------------------------------------------------


def test_the_api_refuses_a_megabyte_description_naming_the_field(api, tenant_a):
    response = api.post(
        TICKETS,
        {"subject": "Leak", "customer_email": "a@example.test", "description": "x" * 1_000_000},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "description": [f"Ensure this field has no more than {TEXT_MAX_LENGTH} characters."]
    }
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists() and not Customer.objects.exists()


def test_the_intake_form_refuses_a_megabyte_description_like_the_api(admin_a, tenant_a):
    response = client_for(admin_a).post(
        "/tickets/new/",
        {
            "customer_email": "caller@example.test",
            "subject": "Leak",
            "description": "x" * 1_000_000,
            "priority": "normal",
            "channel": "phone",
        },
    )
    assert response.status_code == 400
    expected = f"Ensure this value has at most {TEXT_MAX_LENGTH} characters (it has 1000000)."
    assert expected in response.content.decode()
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists() and not Customer.objects.exists()


@pytest.mark.parametrize(("length", "status"), [(TEXT_MAX_LENGTH, 302), (TEXT_MAX_LENGTH + 1, 400)])
def test_a_reply_may_be_as_long_as_the_limit_and_no_longer(admin_a, ticket, length, status):
    url = reverse("ticket_reply", kwargs={"number": ticket.number})
    response = client_for(admin_a).post(url, {"body": "y" * length, "kind": "public"})
    assert response.status_code == status
    assert message_count(ticket.tenant) == (1 if status == 302 else 0)


# --- JSON that is not acceptable text ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"subject": "Leak \\ud800", "customer_email": "a@example.test"}',
        '{"subject": "Leak", "customer_email": "a@example.test", "tags": ["\\udfff"]}',
        '{"subject": "Leak", "customer_email": "a@example.test", "\\udc00": 1}',
        '{"subject": "Leak \\udca5\\ud83d", "customer_email": "a@example.test"}',  # reversed
    ],
)
@pytest.mark.parametrize("idempotency_key", [None, "k-1"])
def test_it_refuses_json_with_a_lone_surrogate(api, tenant_a, body, idempotency_key):
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    before = tenant_row_counts(tenant_a)
    response = api.post(TICKETS, body, content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - a string contains a lone surrogate (\\ud800–\\udfff)."
    }
    assert tenant_row_counts(tenant_a) == before


def test_it_accepts_a_surrogate_pair_as_the_character_it_encodes(api, tenant_a):
    body = '{"subject": "Leak \\ud83d\\udca5", "customer_email": "a@example.test"}'
    response = api.post(TICKETS, body, content_type="application/json")
    assert response.status_code == 201, response.content
    with scope(tenant=tenant_a):
        assert Ticket.objects.get().subject == "Leak 💥"


def test_it_refuses_a_body_that_is_not_utf_8(api, tenant_a):
    body = b'{"subject": "Leak \xff\xfe", "customer_email": "a@example.test"}'
    response = api.post(TICKETS, body, content_type="application/json")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("JSON parse error") and "utf-8" in detail
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists()


def test_it_refuses_json_nested_deeper_than_it_can_read(api, tenant_a):
    for body in ("[" * 100_000 + "]" * 100_000, '{"tags": ' + "[" * 50_000 + "]" * 50_000 + "}"):
        response = api.post(TICKETS, body, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"detail": "JSON parse error - nested too deeply."}
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists()


def test_an_html_form_with_invalid_utf_8_stores_replacement_characters(admin_a, tenant_a):
    """Form bodies are decoded leniently, as browsers send them: a byte that is not UTF-8
    (here also the UTF-8 form of a lone surrogate) becomes U+FFFD, never a server error."""
    body = (
        b"customer_name=Li&subject=Leak%FF%ED%A0%80end&priority=normal&channel=phone&description="
    )
    response = client_for(admin_a).post(
        "/tickets/new/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        subject = Ticket.objects.get().subject
    assert subject.startswith("Leak\ufffd") and subject.endswith("end")
    assert "\ud800" not in subject
