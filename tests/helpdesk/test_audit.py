"""The one audit writer (helpdesk.audit), the configuration trail and the audit log page."""

import pathlib
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django_scopes import scope

from customers.models import CustomerEvent
from helpdesk.audit import audit_record
from helpdesk.models import ApiToken, AuditEvent, ConfigurationEvent, Role, WebhookDelivery
from helpdesk.services import (
    api_token_create,
    membership_create,
    membership_deactivate,
    membership_role_change,
    membership_skills_set,
    skill_get_or_create,
    team_create,
)
from helpdesk.webhook_subscriptions import webhook_subscription_create
from tests.conftest import client_for
from tests.factories import CustomerFactory, MembershipFactory, UserFactory
from tickets import services as ticket_services
from tickets.models import Priority, TicketEvent

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def allow_private(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True


def _config_events(tenant, **filters):
    with scope(tenant=tenant):
        return list(ConfigurationEvent.objects.filter(**filters).order_by("pk"))


def test_it_writes_the_row_in_the_targets_own_event_table(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        customer = CustomerFactory(tenant=tenant_a)
        row = audit_record(
            tenant=tenant_a, actor=admin_a, action="changed", target=customer, field="x", new=1
        )
        assert isinstance(row, CustomerEvent) and row.customer == customer
        assert (row.actor, row.actor_label, row.new_value) == (admin_a, str(admin_a.user), "1")
        assert not ConfigurationEvent.objects.filter(field="x").exists()


def test_it_writes_a_configuration_event_for_a_target_without_a_table(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        row = audit_record(tenant=tenant_a, actor=None, action="renamed", target=tenant_a)
    assert isinstance(row, ConfigurationEvent)
    assert (row.target_type, row.target_id, row.target_label) == (
        "helpdesk.tenant",
        str(tenant_a.pk),
        "ACME",
    )
    assert row.actor_label == "System"


def test_it_emits_the_ticket_webhooks_registered_by_the_tickets_app(
    tenant_a, admin_a, allow_private
):
    with scope(tenant=tenant_a):
        webhook_subscription_create(
            tenant=tenant_a, url="http://127.0.0.1:9/hook", events=["ticket.updated"]
        )
        ticket = ticket_services.ticket_create(
            tenant=tenant_a,
            actor=admin_a,
            customer=CustomerFactory(tenant=tenant_a),
            subject="Washer leaks",
            description="Water on the floor",
        )
        ticket_services.ticket_change_priority(ticket=ticket, actor=admin_a, priority=Priority.HIGH)
        delivery = WebhookDelivery.objects.get()
        event = TicketEvent.objects.get(ticket=ticket, field="priority")
    assert delivery.event == "ticket.updated"
    assert delivery.payload["change"] == {"field": "priority", "old": "normal", "new": "high"}
    assert event.new_value == "high"


def test_it_has_no_second_writer_of_audit_rows():
    # The audit tables by name (an iCalendar ``Event`` is not one of them).
    names = "|".join(model.__name__ for model in apps.get_models() if issubclass(model, AuditEvent))
    pattern = re.compile(rf"\b({names})\.objects\.(create|bulk_create)|\b({names})\(")
    writers = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        # bench/ loads synthetic history for the benchmarks; it is not a path of the product.
        skipped = (".venv", "tests", "node_modules", "bench")
        if relative.startswith(skipped) or "/migrations/" in relative:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line) and "class " not in line:
                writers.append(f"{relative}:{number}")
    assert [w for w in writers if not w.startswith("helpdesk/audit.py")] == []


def test_it_audits_membership_role_skills_and_deactivation(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        member = membership_create(
            tenant=tenant_a, email="new@acme.test", role=Role.AGENT, actor=admin_a
        )
        skill = skill_get_or_create(tenant=tenant_a, name="Billing", actor=admin_a)
        membership_role_change(membership=member, role=Role.TEAM_LEAD, actor=admin_a)
        membership_skills_set(membership=member, skills=[skill], actor=admin_a)
        membership_deactivate(membership=member, actor=admin_a)
        team_create(tenant=tenant_a, name="Billing", lead=member, members=[], actor=admin_a)
    rows = [
        (e.target_type, e.action, e.field, e.old_value, e.new_value)
        for e in _config_events(tenant_a, actor=admin_a)
    ]
    assert rows == [
        ("helpdesk.membership", "created", "", "", "agent"),
        ("helpdesk.skill", "created", "", "", "Billing"),
        ("helpdesk.membership", "changed", "role", "agent", "team_lead"),
        ("helpdesk.membership", "changed", "skills", "", "Billing"),
        ("helpdesk.membership", "deactivated", "is_active", "True", "False"),
        ("helpdesk.team", "created", "", "", "Billing"),
    ]


def test_it_audits_api_token_creation_and_revocation_without_the_key(
    admin_client_a, tenant_a, admin_a
):
    admin_client_a.post(reverse("api_tokens"), {"membership": admin_a.pk, "name": "ERP"})
    with scope(tenant=tenant_a):
        token = ApiToken.objects.get()
    admin_client_a.post(reverse("api_token_revoke", args=[token.pk]))
    created, revoked = _config_events(tenant_a, target_type="helpdesk.apitoken")
    assert (created.action, created.actor, created.new_value) == ("created", admin_a, "ERP")
    assert (revoked.action, revoked.actor, revoked.target_id) == ("revoked", admin_a, str(token.pk))
    assert created.data == {"membership": admin_a.pk, "key_prefix": token.key_prefix}


def test_it_audits_webhook_changes_without_the_secret(
    admin_client_a, tenant_a, admin_a, allow_private
):
    url = "http://127.0.0.1:9/hook"
    admin_client_a.post(reverse("webhooks"), {"url": url, "events": ["ticket.created"]})
    events = _config_events(tenant_a, target_type="helpdesk.webhooksubscription")
    pk = events[0].target_id
    admin_client_a.post(reverse("webhook_disable", args=[pk]))
    admin_client_a.post(reverse("webhook_enable", args=[pk]))
    admin_client_a.post(reverse("webhook_delete", args=[pk]))
    events = _config_events(tenant_a, target_type="helpdesk.webhooksubscription")
    assert [(e.action, e.old_value, e.new_value) for e in events] == [
        ("created", "", url),
        ("disabled", "True", "False"),
        ("enabled", "False", "True"),
        ("deleted", url, ""),
    ]
    assert all(e.actor == admin_a and "whsec_" not in str(e.data) for e in events)


def test_it_audits_the_retention_period(admin_client_a, tenant_a, admin_a):
    admin_client_a.post(reverse("privacy_settings"), {"personal_data_retention_days": "365"})
    (event,) = _config_events(tenant_a, target_type="helpdesk.tenant")
    assert (event.actor, event.field, event.old_value, event.new_value) == (
        admin_a,
        "personal_data_retention_days",
        "",
        "365",
    )


# --- the page ---------------------------------------------------------------------------------


def test_it_lists_configuration_changes_newest_first_with_old_and_new(
    admin_client_a, tenant_a, admin_a
):
    with scope(tenant=tenant_a):
        member = MembershipFactory(tenant=tenant_a, user=UserFactory(email="lead@acme.test"))
        membership_role_change(membership=member, role=Role.MANAGER, actor=admin_a)
        api_token_create(membership=admin_a, name="Zapier", actor=admin_a)
    page = admin_client_a.get(reverse("audit_log")).content.decode()
    assert page.index("Zapier") < page.index(str(member.user))
    assert str(admin_a.user) in page and "manager" in page
    assert reverse("audit_log") in admin_client_a.get(reverse("settings")).content.decode()


def test_it_filters_the_log_by_kind_of_target(admin_client_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        api_token_create(membership=admin_a, name="Zapier", actor=admin_a)
        skill_get_or_create(tenant=tenant_a, name="Plumbing", actor=admin_a)
    page = admin_client_a.get(reverse("audit_log"), {"kind": "helpdesk.skill"}).content.decode()
    assert "Plumbing" in page and "Zapier" not in page


def test_it_shows_the_log_to_admins_only(tenant_a, admin_a, agent_a, outsider):
    manager = MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="m@acme.test"), role=Role.MANAGER
    )
    url = reverse("audit_log")
    assert client_for(admin_a).get(url).status_code == 200
    assert client_for(agent_a).get(url).status_code in (403, 404)
    assert client_for(manager).get(url).status_code in (403, 404)
    assert client_for(outsider).get(url).status_code == 404


def test_it_keeps_each_tenants_log_to_itself(tenant_a, tenant_b, admin_a, outsider):
    with scope(tenant=tenant_b):
        skill_get_or_create(tenant=tenant_b, name="Globex secret skill", actor=outsider)
    page = client_for(admin_a).get(reverse("audit_log")).content.decode()
    assert "Globex secret skill" not in page


def test_it_reads_the_log_in_a_bounded_number_of_queries(
    admin_client_a, tenant_a, admin_a, django_assert_max_num_queries
):
    with scope(tenant=tenant_a):
        for n in range(60):
            skill_get_or_create(tenant=tenant_a, name=f"Skill {n}", actor=admin_a)
    with django_assert_max_num_queries(12):
        response = admin_client_a.get(reverse("audit_log"))
    assert response.status_code == 200 and "Skill 59" in response.content.decode()
