"""PIPL / GDPR: a customer's data export, and their anonymisation on request (the reports'
KPIs stay exactly the same)."""

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django_scopes import scope

from customers import privacy_export
from customers.events import (
    customer_anonymising,
    customer_data_erase,
    customer_data_export,
    customer_data_held,
)
from customers.models import Customer, CustomerEmail
from customers.selectors import customer_export
from customers.services import customer_anonymise
from helpdesk.models import Role
from reports.kpis import kpis_as_dict
from reports.rollup import rollup_refresh
from surveys.models import FollowUp, SurveyResponse
from tests.api.conftest import token_client
from tests.conftest import HOST_A, client_for, sign_in_on_host
from tests.factories import MembershipFactory, UserFactory
from tests.reports.conftest import NOW, _build_week
from tickets.events import ticket_data_erase
from tickets.models import Attachment, IncidentUpdateDelivery, Ticket, TicketEvent

from .privacy_helpers import PERSONAL_STRINGS, build_person, other_customer, tenant_rows_text

REASON = "Asked by e-mail on 2026-11-20"
TICKET_FACTS = (
    "number",
    "status",
    "priority",
    "channel",
    "category_id",
    "team_id",
    "assignee_id",
    "created_at",
    "updated_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "reopened_count",
    "call_started_at",
    "call_duration_seconds",
)
# What a second anonymisation renews on purpose: survey link hashes, the sign-in counter.
RENEWED = re.compile(r'"(token_hash|portal_sign_in_count)": ("[0-9a-f]+"|\d+)')


@pytest.fixture
def person(tenant_a, admin_a, agent_a):
    return build_person(tenant_a, admin_a, agent_a)


@pytest.fixture
def manager_a(tenant_a):
    return MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="manager@acme.test"), role=Role.MANAGER
    )


def export_of(customer) -> dict:
    with scope(tenant=customer.tenant):
        return customer_export(customer=customer)


def anonymise(customer, by, reason=REASON) -> Customer:
    with scope(tenant=customer.tenant):
        return customer_anonymise(customer=customer, by=by, reason=reason)


def ticket_of(export: dict, number: int) -> dict:
    return next(ticket for ticket in export["tickets"] if ticket["number"] == number)


# --- export --------------------------------------------------------------------------------------


def test_it_exports_the_profile_its_history_and_the_merged_duplicate(person):
    export = export_of(person.customer)
    profile = export["customer"]
    assert (profile["name"], profile["email"], profile["phone"]) == (
        "Wang Xiaoming",
        "wang.xiaoming@example.cn",
        "13912345678",
    )
    assert profile["key_info"] == "Lives at 88 Nanjing Road"
    assert profile["tags"] == ["price-sensitive"]
    assert profile["organization"]["name"] == "Pudong Laundry Co"
    assert [d["email"] for d in export["merged_duplicates"]] == ["xm.wang@example.cn"]
    changes = [(e["action"], e["field"], e["old_value"]) for e in export["history"]]
    assert ("changed", "email", "wang.old@example.cn") in changes
    assert any(action == "merged_in" for action, _field, _old in changes)


def test_it_exports_every_ticket_with_its_thread_notes_and_file_metadata(person):
    export = export_of(person.customer)
    assert {t["number"] for t in export["tickets"]} == {
        person.ticket.number,
        person.moved_ticket.number,
    }
    ticket = ticket_of(export, person.ticket.number)
    assert ticket["caller"] == "Wang Xiaoming"
    assert ticket["call_duration_seconds"] == 300
    assert ticket["fault_symptom"] == "Water under the door of 88 Nanjing Road"
    assert ticket["status"] == "closed"  # the satisfied survey answer closed it
    bodies = {(m["kind"], m["body"]) for m in ticket["messages"]}
    assert ("internal", "Wang Xiaoming was rude on the phone.") in bodies
    assert ("public", "Thanks! Wang Xiaoming, 13912345678") in bodies
    files = [a for m in ticket["messages"] for a in m["attachments"]]
    assert {f["name"] for f in files} == {"passport-wang.png", "passport-wang-2.png"}
    assert set(files[0]) == {"name", "size_bytes", "content_type", "created_at"}  # no bytes
    assert files[0]["content_type"] == "image/png"
    assert any(event["action"] == "created" for event in ticket["history"])


def test_it_exports_surveys_follow_ups_emails_incident_updates_and_inbound_mail(person):
    export = export_of(person.customer)
    assert export["surveys"][0]["response"]["comment"] == "Wang Xiaoming is happy"
    assert export["surveys"][0]["response"]["nps"] == 9
    assert export["follow_ups"][0]["notes"] == "Reached Wang Xiaoming on 13912345678"
    assert {"received", "reply", "resolved"} <= {e["kind"] for e in export["emails"]}
    assert export["incident_updates"][0]["update"] == "Looking into it"
    assert export["inbound_emails"][0]["message_id"] == "<8311@mail.example.cn>"


def test_it_writes_timestamps_in_iso_8601_with_their_offset(person):
    export = export_of(person.customer)
    ticket = ticket_of(export, person.ticket.number)
    for value in (export["exported_at"], ticket["created_at"], ticket["closed_at"]):
        assert datetime.fromisoformat(value).utcoffset() is not None


def test_it_exports_nothing_of_another_customer_or_tenant(person, tenant_a, tenant_b):
    other_customer(tenant_a, name="Zhao Lei", email="zhao.lei@example.cn", subject="Fridge warm")
    other_customer(tenant_b, name="Globex Buyer", email="buyer@globex.test", subject="Oven dead")
    text = json.dumps(export_of(person.customer), ensure_ascii=False)
    for foreign in ("Zhao Lei", "zhao.lei@", "Fridge warm", "Globex Buyer", "globex", "Oven dead"):
        assert foreign not in text


def test_it_exports_in_a_constant_number_of_queries(person, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        export_of(person.customer)


EXPORT_KEYS = [
    "format",
    "exported_at",
    "customer",
    "merged_duplicates",
    "history",
    "tickets",
    "messages_on_other_tickets",
    "surveys",
    "follow_ups",
    "emails",
    "incident_updates",
    "inbound_emails",
    "work_orders",
]


class _Answering:
    """Stands in for ``customer_data_export``: the real receivers' answers, rearranged."""

    def __init__(self, rearrange):
        self.rearrange = rearrange

    def send(self, **kwargs):
        return self.rearrange(customer_data_export.send(**kwargs))


def test_it_keeps_the_export_keys_in_their_order(person):
    assert list(export_of(person.customer)) == EXPORT_KEYS


def test_it_keeps_the_order_whatever_order_the_apps_answer_in(person, monkeypatch):
    before = export_of(person.customer)
    monkeypatch.setattr(privacy_export, "customer_data_export", _Answering(reversed))
    after = export_of(person.customer)
    assert list(after) == EXPORT_KEYS
    assert {**after, "exported_at": None} == {**before, "exported_at": None}


def test_it_refuses_an_export_with_a_section_missing(person, monkeypatch):
    monkeypatch.setattr(privacy_export, "customer_data_export", _Answering(lambda a: a[1:]))
    with pytest.raises(ImproperlyConfigured):
        export_of(person.customer)


def test_it_has_tickets_surveys_and_field_service_answer_the_personal_data_signals():
    modules = {
        signal: {entry[1]().__module__ for entry in signal.receivers}
        for signal in (customer_data_export, customer_data_erase, customer_anonymising)
    }
    assert modules[customer_data_export] == {
        "tickets.receivers",
        "surveys.receivers",
        "fieldservice.receivers",
    }
    assert modules[customer_data_erase] == {"tickets.receivers"}
    assert modules[customer_anonymising] == {"tickets.receivers", "surveys.receivers"}
    assert customer_data_held.has_listeners() and ticket_data_erase.has_listeners()


def test_it_downloads_the_export_as_a_json_attachment_for_the_admin(person, admin_client_a):
    response = admin_client_a.get(f"/customers/{person.customer.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    filename = f"customer-{person.customer.pk}.json"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert json.loads(response.content)["customer"]["email"] == "wang.xiaoming@example.cn"


def test_it_serves_the_export_api_to_admins_and_managers_only(
    person, admin_a, manager_a, agent_a, outsider
):
    url = f"/api/v1/customers/{person.customer.pk}/export/"
    for member in (admin_a, manager_a):
        response = token_client(member).get(url)
        assert response.status_code == 200
        assert response.json()["customer"]["phone"] == "13912345678"
    assert token_client(agent_a).get(url).status_code == 404
    assert token_client(outsider, "globex.localhost").get(url).status_code == 404
    assert token_client(admin_a).get("/api/v1/customers/99999999999/export/").status_code == 404


# --- who may ------------------------------------------------------------------------------------


def test_it_shows_export_and_anonymise_to_the_tenant_admin_only(person, admin_a, agent_a):
    profile = f"/customers/{person.customer.pk}/"
    assert "Export personal data" in client_for(admin_a).get(profile).content.decode()
    page = client_for(agent_a).get(profile).content.decode()
    assert "Export personal data" not in page and "Anonymise" not in page


def test_it_answers_404_to_agents_and_outsiders(person, agent_a, outsider_client):
    pk = person.customer.pk
    data = {"reason": REASON, "confirmation": str(pk)}
    for client in (client_for(agent_a), outsider_client):
        assert client.get(f"/customers/{pk}/export/").status_code == 404
        assert client.get(f"/customers/{pk}/anonymise/").status_code == 404
        assert client.post(f"/customers/{pk}/anonymise/", data).status_code == 404
    person.customer.refresh_from_db()
    assert person.customer.anonymised_at is None


# --- anonymise ----------------------------------------------------------------------------------


def test_it_asks_for_the_customer_id_before_anonymising(person, admin_client_a):
    url = f"/customers/{person.customer.pk}/anonymise/"
    page = admin_client_a.get(url).content.decode()
    assert f"Type {person.customer.pk} to confirm." in page
    response = admin_client_a.post(url, {"reason": REASON, "confirmation": "1234567"})
    assert response.status_code == 400
    person.customer.refresh_from_db()
    assert person.customer.anonymised_at is None
    response = admin_client_a.post(url, {"reason": REASON, "confirmation": person.customer.pk})
    assert response.status_code == 302
    person.customer.refresh_from_db()
    assert person.customer.anonymised_at is not None
    profile = admin_client_a.get(response["Location"]).content.decode()
    assert "removed the customer&#x27;s personal data" in profile
    assert f"Reason: {REASON}" in profile
    assert "Wang Xiaoming" not in profile


def test_it_refuses_an_anonymise_post_without_the_csrf_token(person, admin_a):
    client = Client(HTTP_HOST=HOST_A, enforce_csrf_checks=True)
    sign_in_on_host(client, admin_a.user)
    url = f"/customers/{person.customer.pk}/anonymise/"
    assert (
        client.post(url, {"reason": REASON, "confirmation": person.customer.pk}).status_code == 403
    )
    person.customer.refresh_from_db()
    assert person.customer.anonymised_at is None


def test_it_removes_every_personal_string_from_the_export_and_the_database(
    person, tenant_a, admin_a, django_capture_on_commit_callbacks
):
    before = tenant_rows_text(tenant_a) + json.dumps(export_of(person.customer))
    assert [s for s in PERSONAL_STRINGS if s not in before] == []  # the search finds them
    with django_capture_on_commit_callbacks(execute=True):
        anonymise(person.customer, admin_a)
    exported = json.dumps(export_of(person.customer), ensure_ascii=False)
    stored = tenant_rows_text(tenant_a)
    for personal in PERSONAL_STRINGS:
        assert personal not in exported, personal
        assert personal not in stored, personal


def test_it_leaves_placeholders_and_deletes_the_files(
    person, tenant_a, admin_a, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a):
        files = [Path(settings.MEDIA_ROOT) / a.file.name for a in Attachment.objects.all()]
    assert files and all(path.exists() for path in files)
    with django_capture_on_commit_callbacks(execute=True):
        customer = anonymise(person.customer, admin_a)
    assert not any(path.exists() for path in files)
    assert customer.name == f"Anonymised customer #{customer.pk}"
    assert (customer.email, customer.phone, customer.key_info, customer.notes) == ("",) * 4
    with scope(tenant=tenant_a):
        assert not Attachment.objects.exists()
        ticket = Ticket.objects.get(pk=person.ticket.pk)
        assert ticket.subject == "[removed on request]"
        assert (ticket.caller, ticket.fault_symptom) == ("", "")
        assert set(ticket.messages.values_list("body", flat=True)) == {"[removed on request]"}
        duplicate = Customer.objects.get(pk=person.duplicate.pk)
        assert duplicate.name == f"Anonymised customer #{duplicate.pk}"
        assert not IncidentUpdateDelivery.objects.filter(sent_at__isnull=True).exists()
        assert not CustomerEmail.objects.filter(sent_at__isnull=True).exists()


def facts(ticket) -> dict:
    with scope(tenant=ticket.tenant):
        return Ticket.objects.filter(pk=ticket.pk).values(*TICKET_FACTS).get()


def test_it_keeps_the_ticket_facts_survey_scores_and_follow_up_outcomes(person, admin_a):
    kept = facts(person.ticket)
    anonymise(person.customer, admin_a)
    assert facts(person.ticket) == kept
    with scope(tenant=person.customer.tenant):
        response = SurveyResponse.objects.get(ticket=person.ticket)
        assert (response.overall, response.nps, response.comment) == (5, 9, "")
        assert FollowUp.objects.get(ticket=person.ticket).outcome == "satisfied"
        assert Customer.objects.get(pk=person.customer.pk).organization.name == "Pudong Laundry Co"


def test_it_records_who_anonymised_and_why_without_the_personal_data(person, admin_a):
    anonymise(person.customer, admin_a)
    with scope(tenant=person.customer.tenant):
        event = person.customer.events.get(action="anonymised")
        erased = TicketEvent.objects.filter(action="personal_data_erased", actor=admin_a)
        assert erased.count() == 2
    assert event.actor == admin_a
    assert event.data["reason"] == REASON
    assert event.data["tickets"] == 2
    assert event.data["duplicates"] == [person.duplicate.pk]
    assert not any(s in json.dumps(event.data) for s in PERSONAL_STRINGS)


def test_it_anonymises_twice_harmlessly(person, tenant_a, admin_a):
    anonymise(person.customer, admin_a)
    first = RENEWED.sub("", tenant_rows_text(tenant_a))
    anonymise(person.customer, admin_a, reason="Asked again")
    assert RENEWED.sub("", tenant_rows_text(tenant_a)) == first
    with scope(tenant=tenant_a):
        assert person.customer.events.filter(action="anonymised").count() == 1


def test_it_keeps_every_kpi_when_customers_are_anonymised(tenant_a, admin_a, agent_a):
    agent_b = MembershipFactory(tenant=tenant_a, user=UserFactory(email="agent.b@acme.test"))
    with scope(tenant=tenant_a):
        week = _build_week(tenant_a, agent_a, agent_b, admin_a)
        sources = [
            week.source(),
            week.source(tier=week.vip.pk),
            week.source(teams=(week.repair.pk,)),
        ]
        before = [kpis_as_dict(source, compare=False) for source in sources]
        for customer in Customer.objects.order_by("pk"):
            customer_anonymise(customer=customer, by=admin_a, reason=REASON)
        assert set(Ticket.objects.values_list("subject", flat=True)) == {"[removed on request]"}
        rollup_refresh(tenant=tenant_a, now=NOW, full=True)
        after = [kpis_as_dict(source, compare=False) for source in sources]
    assert after == before
    assert before[0]["kpis"]["first_contact_resolution"]["value"] is not None
