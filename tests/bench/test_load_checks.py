"""The load test's checks (bench.load_test): each one must fail on the defect it looks for."""

import pytest
from django_scopes import scope

from bench.load_test import (
    AcceptedReply,
    AcceptedTicket,
    Recorder,
    Reply,
    TenantPlan,
    _numbering_check,
    _replies_check,
    _server_errors_check,
    _statuses_check,
    _tickets_check,
)
from tests.factories import TicketFactory
from tickets.models import Message, Ticket

RUN = "20261123040000"


def _subject(n: int) -> str:
    return f"Washer leaks [{RUN}-01-{n}]"


@pytest.fixture
def plan(tenant_a):
    return TenantPlan(tenant_a.slug)


@pytest.fixture
def stored(tenant_a):
    """Three tickets of the run, numbered 1..3, as the clients were told."""
    tickets = [TicketFactory(tenant=tenant_a, subject=_subject(n)) for n in (1, 2, 3)]
    return [AcceptedTicket(tenant_a.slug, t.subject, t.number) for t in tickets]


def test_it_passes_when_every_accepted_ticket_is_stored_once(tenant_a, plan, stored):
    with scope(tenant=tenant_a):
        assert _tickets_check(plan, stored, RUN).passed
        assert _numbering_check(plan).passed


def test_it_fails_when_an_accepted_ticket_is_missing(tenant_a, plan, stored):
    accepted = [*stored, AcceptedTicket(tenant_a.slug, _subject(4), 4)]
    with scope(tenant=tenant_a):
        check = _tickets_check(plan, accepted, RUN)
    assert not check.passed
    assert "3 of 4 found" in check.detail


def test_it_fails_when_a_ticket_has_another_number_than_the_client_was_given(
    tenant_a, plan, stored
):
    renumbered = [*stored[:2], AcceptedTicket(tenant_a.slug, stored[2].subject, 7)]
    with scope(tenant=tenant_a):
        assert not _tickets_check(plan, renumbered, RUN).passed


def test_it_fails_when_one_request_made_two_tickets(tenant_a, plan, stored):
    TicketFactory(tenant=tenant_a, subject=stored[0].subject)
    with scope(tenant=tenant_a):
        check = _tickets_check(plan, stored, RUN)
    assert not check.passed
    assert "1 requests made two tickets" in check.detail


def test_it_fails_on_a_gap_in_the_numbers(tenant_a, plan, stored):
    with scope(tenant=tenant_a):
        Ticket.objects.filter(number=2).delete()
        check = _numbering_check(plan)
    assert not check.passed
    assert "first missing [2]" in check.detail


def test_it_fails_when_an_accepted_reply_is_missing(tenant_a, plan, stored):
    body = f"Load test reply [{RUN}-01-9]: on our way"
    with scope(tenant=tenant_a):
        ticket = Ticket.objects.get(number=1)
        Message.objects.create(tenant=tenant_a, ticket=ticket, body=body, kind="public")
        kept = AcceptedReply(tenant_a.slug, 1, body, "public")
        lost = AcceptedReply(tenant_a.slug, 2, body, "public")
        assert _replies_check(plan, [kept], RUN).passed
        assert not _replies_check(plan, [kept, lost], RUN).passed


def test_it_fails_on_a_server_error_or_a_dropped_connection():
    for status in (502, 0):
        recorder = Recorder()
        recorder.record("queue view (GET)", Reply(200, {}, b"", 1.0), 200)
        recorder.record("queue view (GET)", Reply(status, {}, b"", 1.0), 200)
        assert not _server_errors_check(recorder).passed
        assert not _statuses_check(recorder).passed


def test_it_counts_warm_up_responses_too():
    recorder = Recorder()  # not measuring yet: the warm-up
    recorder.record("agent reply (POST)", Reply(500, {}, b"", 1.0), 302)
    recorder.measuring = True
    recorder.record("agent reply (POST)", Reply(302, {}, b"", 1.0), 302)
    assert not _server_errors_check(recorder).passed
    assert recorder.operations["agent reply (POST)"].timings_ms == [1.0]
