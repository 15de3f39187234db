"""Arbitrary text in the forms people type into: the portal's web form, phone intake, the
reply composer, the customer form and the article form.

Whatever is typed (control characters, NUL, right-to-left marks, emoji, very long text, SQL,
template syntax, HTML and script), the answer is never a 5xx. Either the form is accepted,
the text is stored as typed (less the surrounding whitespace the field strips) and the page
that shows it escapes it; or it is refused with an error on the form and no row is created.
A NUL is always refused: PostgreSQL cannot store it.

Every form gets the attack strings below and a bounded, derandomised hypothesis run.
"""

from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils.html import escape
from django_scopes import scope
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from customers import tokens
from customers.models import Customer
from knowledge.models import Article
from tests.conftest import client_for
from tests.customers.helpers import web_form
from tests.tickets.helpers import make_ticket
from tickets.models import Message, Ticket

ATTACKS = [
    "'; DROP TABLE tickets_ticket;--",
    "1' OR '1'='1' --",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "{% load static %}{{ request.META }}",
    "<img src=x onerror=alert(1)>",
    "<script>alert(document.cookie)</script>",
    '"><svg onload=alert(1)>',
    "[click](javascript:alert(1))",
    "Nul\x00byte",
    "\x00",
    "\u202eevil\u202c right-to-left",
    "😀 错误代码 E21 ✓",
    "\r\n\t\x0b\x0c\x1b[31mred\x7f",
    "   ",
    "x" * 201,
]
TEXT = st.one_of(
    st.text(),  # every code point a request can carry: controls, NUL, astral planes
    st.text(min_size=150, max_size=300),
    st.sampled_from(ATTACKS),
    st.lists(st.sampled_from(ATTACKS) | st.text(max_size=8), min_size=2, max_size=4).map("".join),
)
FUZZ = hypothesis_settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NUL_ERROR = "Null characters are not allowed."


class ScriptFinder(HTMLParser):
    """Script a page would run: an event handler attribute or a script element with code.
    The product's own pages have neither (tests/helpdesk/test_content_security_policy.py)."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [f"{tag} {name}" for name, _value in attrs if name.startswith("on")]
        attributes = dict(attrs)
        code = attributes.get("type") != "application/json"  # json_script is data
        if tag == "script" and "src" not in attributes and code:
            self.found.append("inline script")


def script_in(html: str) -> list[str]:
    finder = ScriptFinder()
    finder.feed(html)
    return finder.found


@dataclass
class Form:
    """How to send text through one form and find what it created."""

    url: str
    data: object  # text -> POST data
    created: object  # () -> the newest row, or None
    stored: object  # row -> the stored text
    typed: object  # text -> what should be stored
    shown_at: object  # (client, row) -> the page that shows the text
    shows_escaped: bool  # plain text on that page (not Markdown)


def newest(model):
    return model.objects.order_by("-pk").first()


def check(client, form: Form, text: str, tenant) -> None:
    cache.clear()  # the portal's per-address rate limit
    with scope(tenant=tenant):
        before = newest_pk(form)
    response = client.post(form.url, form.data(text))
    page = response.content.decode()
    assert response.status_code in (302, 400), (response.status_code, text)
    with scope(tenant=tenant):
        row = form.created()
        row = row if row is not None and row.pk != before else None
    if "\x00" in text:
        assert response.status_code == 400 and NUL_ERROR in page
    if response.status_code == 400:
        assert row is None
        assert "errorlist" in page or "message error" in page
        assert script_in(page) == []
        return
    assert row is not None
    with scope(tenant=tenant):
        assert form.stored(row) == form.typed(text)
    shown = form.shown_at(client, row)
    assert shown.status_code == 200
    html = shown.content.decode()
    if form.shows_escaped:
        assert escape(form.typed(text)) in html
    assert script_in(html) == []
    assert settings.SECRET_KEY not in html


def newest_pk(form: Form):
    row = form.created()
    return row.pk if row is not None else None


def plainly_valid(text: str, max_length: int = 200) -> bool:
    """Text every one of these forms must accept."""
    return "\x00" not in text and 0 < len(text.strip()) <= max_length


# --- the forms ---------------------------------------------------------------------------------


def portal_form(tenant) -> Form:
    def shown_at(client, ticket):
        token = tokens.follow_token(tenant_id=tenant.pk, ticket_id=ticket.pk)
        return client.get(f"/support/t/{token}/")

    return Form(
        url="/support/",
        data=lambda text: web_form(subject=text, description=text),
        created=lambda: newest(Ticket),
        stored=lambda ticket: (ticket.subject, ticket.description),
        typed=lambda text: (text.strip(), text.strip()),
        shown_at=shown_at,
        shows_escaped=False,
    )


def intake_form() -> Form:
    return Form(
        url="/tickets/new/",
        data=lambda text: {
            "customer_name": "Li Lei",
            "subject": text,
            "description": text,
            "fault_symptom": text,
            "caller": text[:120],
            "priority": "normal",
            "channel": "phone",
        },
        created=lambda: newest(Ticket),
        stored=lambda ticket: ticket.subject,
        typed=str.strip,
        shown_at=lambda client, ticket: client.get(f"/tickets/{ticket.number}/"),
        shows_escaped=True,
    )


def reply_form(ticket) -> Form:
    return Form(
        url=f"/tickets/{ticket.number}/reply/",
        data=lambda text: {"body": text, "kind": "public"},
        created=lambda: newest(Message),
        stored=lambda message: message.body,
        typed=lambda text: text,  # the composer keeps whitespace as typed
        shown_at=lambda client, message: client.get(f"/tickets/{ticket.number}/"),
        shows_escaped=False,  # Markdown, sanitised
    )


def customer_form() -> Form:
    return Form(
        url="/customers/new/",
        data=lambda text: {"name": text, "notes": text, "key_info": text, "tags": text[:500]},
        created=lambda: newest(Customer),
        stored=lambda customer: (customer.name, customer.notes, customer.key_info),
        typed=lambda text: (text.strip(), text.strip(), text.strip()),
        shown_at=lambda client, customer: client.get(f"/customers/{customer.pk}/"),
        shows_escaped=False,  # checked below: the name is shown as plain text
    )


def article_form() -> Form:
    return Form(
        url="/knowledge/articles/new/",
        data=lambda text: {
            "title": text,
            "summary": text[:500],
            "body": text,
            "tags": text[:300],
            "visibility": "public",
            "language": "en",
        },
        created=lambda: newest(Article),
        stored=lambda article: (article.title, article.body),
        typed=lambda text: (text.strip(), text),
        shown_at=lambda client, article: client.get(f"/knowledge/articles/{article.pk}/"),
        shows_escaped=False,  # the title is plain text, the body Markdown
    )


@pytest.fixture
def forms(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
    return {
        "portal": (client_for(), portal_form(tenant_a)),
        "intake": (client_for(admin_a), intake_form()),
        "reply": (client_for(admin_a), reply_form(ticket)),
        "customer": (client_for(admin_a), customer_form()),
        "article": (client_for(admin_a), article_form()),
    }


FORM_NAMES = ["portal", "intake", "reply", "customer", "article"]


@pytest.mark.parametrize("name", FORM_NAMES)
@pytest.mark.parametrize("text", ATTACKS)
def test_it_stores_or_refuses_each_attack_string(forms, tenant_a, name, text):
    client, form = forms[name]
    check(client, form, text, tenant_a)


@pytest.mark.parametrize("name", ["portal", "intake", "customer", "article"])
def test_it_accepts_and_escapes_markup_in_plain_text_fields(forms, tenant_a, name):
    text = '<img src=x onerror=alert(1)> & "{{ settings.SECRET_KEY }}"'
    client, form = forms[name]
    response = client.post(form.url, form.data(text))
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        row = form.created()
    html = form.shown_at(client, row).content.decode()
    assert escape(text) in html  # the subject, name or title, as plain text
    assert "<img src=x" not in html


@pytest.mark.parametrize("name", FORM_NAMES)
def test_it_survives_arbitrary_text(forms, tenant_a, name):
    client, form = forms[name]

    @FUZZ
    @given(text=TEXT)
    def typed(text):
        check(client, form, text, tenant_a)
        if plainly_valid(text):
            with scope(tenant=tenant_a):
                assert form.stored(form.created()) == form.typed(text)

    typed()
