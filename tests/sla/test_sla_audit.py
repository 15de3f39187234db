"""SLA settings pages save through services that record every change in the audit trail."""

from datetime import date

import pytest
from django_scopes import scope

from helpdesk.models import ConfigurationEvent
from helpdesk.services import tenant_seed_defaults
from sla.models import Calendar, Holiday, SlaPolicy


@pytest.fixture(autouse=True)
def _defaults(tenant_a):
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)


def _events(tenant, kind):
    with scope(tenant=tenant):
        return list(ConfigurationEvent.objects.filter(target_type=kind).order_by("pk"))


def test_it_audits_a_policy_change_field_by_field(admin_client_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        standard = SlaPolicy.objects.get(name__startswith="Standard")
        calendar = Calendar.objects.get(name="24×7")
        old_minutes = standard.first_response_minutes
    response = admin_client_a.post(
        f"/settings/sla/policies/{standard.pk}/",
        {
            "name": "Standard",
            "position": 100,
            "is_active": "on",
            "calendar": calendar.pk,
            "first_response_minutes": "15",
            "resolution_minutes": "1440",
            "amber_percent": 75,
            "manager_after_percent": 50,
        },
    )
    assert response.status_code == 302
    changes = {e.field: e for e in _events(tenant_a, "sla.slapolicy")}
    first = changes["first_response_minutes"]
    assert (first.actor, first.action, first.old_value, first.new_value) == (
        admin_a,
        "changed",
        str(old_minutes),
        "15",
    )
    assert first.target_id == str(standard.pk)


def test_it_audits_holidays_added_and_deleted(admin_client_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        calendar = Calendar.objects.get(name__startswith="Service")
    admin_client_a.post(
        f"/settings/sla/calendars/{calendar.pk}/holidays/",
        {"date": "2031-05-01", "name": "Labour day"},
    )
    with scope(tenant=tenant_a):
        holiday = Holiday.objects.get(date=date(2031, 5, 1))
    admin_client_a.post(f"/settings/sla/calendars/{calendar.pk}/holidays/{holiday.pk}/delete/")
    added, deleted = _events(tenant_a, "sla.holiday")
    assert (added.action, added.actor, added.data["values"]["name"]) == (
        "created",
        admin_a,
        "Labour day",
    )
    assert (deleted.action, deleted.old_value) == ("deleted", "2031-05-01 Labour day")
    with scope(tenant=tenant_a):
        assert not Holiday.objects.filter(pk=holiday.pk).exists()


def test_it_audits_the_escalation_rules(admin_client_a, tenant_a, admin_a):
    admin_client_a.post(
        "/settings/sla/rules/",
        {"repeat_complaint_days": 10},
    )
    changes = {e.field: e for e in _events(tenant_a, "sla.escalationrules")}
    assert changes["repeat_complaint_days"].old_value == "30"
    assert changes["repeat_complaint_days"].new_value == "10"
    assert set(changes) == {"repeat_complaint_days"}
