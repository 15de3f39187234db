"""User-typed text reaches the workspace pages inert: no script, handler or javascript: link."""

from html.parser import HTMLParser

from django.urls import reverse
from django_scopes import scope

from tests.conftest import client_for
from tests.factories import CustomerFactory, TicketFactory, TierFactory
from tickets import services

XSS = "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))"


class _ActiveContent(HTMLParser):
    """Collects what a browser would execute: event-handler attributes, javascript: URLs and
    the text of script elements. (Escaped text such as ``&lt;img onerror=…&gt;`` is harmless
    and is not reported.)"""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value}>")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert" in data:
            self.found.append(f"<script>{data}")


def assert_inert(page: str) -> None:
    assert "<script>alert" not in page
    assert "<img src=x onerror" not in page
    assert 'href="javascript:' not in page
    parser = _ActiveContent()
    parser.feed(page)
    assert parser.found == []


def hostile_ticket(tenant, actor):
    customer = CustomerFactory(
        tenant=tenant, name=XSS, key_info=XSS, tier=TierFactory(tenant=tenant, name=XSS[:60])
    )
    ticket = TicketFactory(tenant=tenant, customer=customer, subject=XSS[:200], description=XSS)
    with scope(tenant=tenant):
        services.ticket_reply(ticket=ticket, actor=actor, body=XSS)
        services.ticket_reply(ticket=ticket, actor=actor, body=XSS, internal=True)
        services.ticket_set_tags(ticket=ticket, actor=actor, names=[XSS[:50]])
    return ticket


def test_it_renders_hostile_text_inert_on_the_ticket_page(tenant_a, admin_a):
    ticket = hostile_ticket(tenant_a, admin_a)
    page = client_for(admin_a).get(reverse("ticket_detail", args=[ticket.number])).content.decode()
    assert page.count("alert(1)") >= 3  # the text is shown, just not executed
    assert_inert(page)


def test_it_renders_hostile_text_inert_on_the_queue(tenant_a, admin_a):
    hostile_ticket(tenant_a, admin_a)
    page = client_for(admin_a).get(reverse("ticket_queue"), {"queue": "all"}).content.decode()
    assert "alert(1)" in page
    assert_inert(page)


def test_it_does_not_let_a_tier_colour_escape_into_css(tenant_a, admin_a):
    tier = TierFactory(tenant=tenant_a, colour="red;}x")
    TicketFactory(tenant=tenant_a, customer=CustomerFactory(tenant=tenant_a, tier=tier))
    page = client_for(admin_a).get(reverse("ticket_queue"), {"queue": "all"}).content.decode()
    assert "red;}x" not in page and "--tier: #6b7280" in page
