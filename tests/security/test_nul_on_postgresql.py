"""NUL characters and broken percent-encoding in search boxes, filters and raw form fields.

PostgreSQL refuses a NUL in any text it is given, as a value or as a query parameter; SQLite
stores it. So this module runs on PostgreSQL only: a NUL that reached the database would be a
500 there. Search boxes treat a NUL as nothing; fields that would store it refuse it."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django_scopes import scope

from knowledge import services as knowledge_services
from knowledge.models import Deflection
from tests.api.conftest import token_client
from tests.conftest import client_for
from tests.knowledge.helpers import article
from tests.tickets.helpers import make_ticket
from tickets.models import Message, Ticket

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite stores NUL characters, PostgreSQL refuses them",
)
QUERIES = ["%00", "leak%00", "%00leak%00%00", "%ff%fe", "%", "%zz", "%E2%82", "%ED%A0%80"]


@pytest.fixture(autouse=True)
def _no_rate_limit():
    cache.clear()


@pytest.fixture
def seeded(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, subject="Washer leaks")
        leaks = article(tenant=tenant_a, author=admin_a, title="Leaks", body="Check the hose.")
    return ticket, leaks


@pytest.mark.parametrize("query", QUERIES)
def test_no_search_box_fails_on_a_nul_or_broken_encoding(seeded, admin_a, query):
    ticket, _leaks = seeded
    member, visitor = client_for(admin_a), client_for()
    pages = [
        member.get(f"/tickets/?q={query}"),
        member.get(f"/customers/?q={query}"),
        member.get(f"/knowledge/?q={query}"),
        member.get(f"/knowledge/tickets/{ticket.number}/panel/?q={query}"),
        visitor.get(f"/support/kb/search/?q={query}"),
        visitor.get(f"/support/kb/suggest/?subject={query}"),
    ]
    # A NUL or bytes that are not UTF-8 are refused before the view (request_guards); a "%"
    # that starts no escape is read as typed.
    expected = 200 if query in ("%", "%zz") else 400
    assert [page.status_code for page in pages] == [expected] * len(pages)


def test_a_nul_does_not_hide_the_words_around_it(seeded, admin_a):
    response = client_for().get("/support/kb/search/?q=leaks%00")
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("%00", "Null characters are not allowed."),
        ("a%00b", "Null characters are not allowed."),
        ("%ff", "The address is not valid UTF-8."),
    ],
)
def test_the_api_search_refuses_a_nul_and_broken_encoding(admin_a, query, detail):
    response = token_client(admin_a).get(f"/api/v1/customers/?search={query}")
    assert response.status_code == 400
    assert response.json() == {"detail": detail}


def test_the_api_refuses_a_nul_in_a_field_and_creates_nothing(admin_a, tenant_a):
    api = token_client(admin_a)
    for body in (
        {"subject": "Leak\x00", "customer_email": "a@example.test"},
        {"subject": "Leak", "customer_email": "a@example.test", "tags": ["a\x00"]},
        {"subject": "Leak", "customer_email": "a@example.test", "description": "\x00"},
    ):
        response = api.post("/api/v1/tickets/", body, content_type="application/json")
        assert response.status_code == 400
        assert "Null characters are not allowed." in str(response.json())
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists()


def test_a_deflection_keeps_the_query_without_its_nul(seeded):
    _ticket, leaks = seeded
    url = reverse("knowledge:public_solved", kwargs={"pk": leaks.pk})
    response = client_for().post(url, {"q": "washer\x00 leaks"})
    assert response.status_code == 302
    with scope(tenant=leaks.tenant):
        assert Deflection.objects.get().query == "washer leaks"


def test_a_template_reply_with_a_nul_is_refused_with_a_message(seeded, admin_a):
    ticket, _leaks = seeded
    with scope(tenant=ticket.tenant):
        template = knowledge_services.reply_template_create(
            tenant=ticket.tenant,
            owner=admin_a,
            fields=knowledge_services.TemplateFields(name="Hello", body="Hello"),
        )
        before = Message.objects.count()
    url = reverse("knowledge:template_apply", kwargs={"number": ticket.number, "pk": template.pk})
    client = client_for(admin_a)
    response = client.post(url, {"body": "Hello\x00"}, follow=True)
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    with scope(tenant=ticket.tenant):
        assert Message.objects.count() == before
    assert client.post(url, {"body": "Hello"}).status_code == 302
    with scope(tenant=ticket.tenant):
        assert Message.objects.count() == before + 1  # the same reply without the NUL is sent
