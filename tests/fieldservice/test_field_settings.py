"""The field-service settings (promises in hours and days, stored in minutes) and the
technicians' profiles: admins only, audited, another tenant's a 404."""

import pytest
from django.urls import reverse
from django_scopes import scope

from fieldservice.models import FieldServiceSettings, TechnicianProfile
from fieldservice.settings_forms import FieldServiceSettingsForm
from helpdesk.models import ConfigurationEvent
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.fieldservice.dispatch_helpers import make_technician, office_calendar

pytestmark = pytest.mark.django_db
SETTINGS_URL = "/settings/field-service/"
STAGES = ("received", "diagnosed", "waiting_for_parts", "waiting_for_approval", "repaired")


def settings_data(**values):
    data = {
        "on_site_hours": "24",
        "on_site_extra_minutes": "30",
        "turnaround_days": "5",
        "turnaround_hours": "12",
        "calendar": "",
        "amber_percent": "80",
        "manager_after_percent": "50",
        "send_reminders": "on",
        **{f"stage_{stage}": "2" for stage in (*STAGES, "quality_check", "shipped_back")},
    }
    return data | values


def test_it_saves_the_promises_given_in_hours_and_days_as_minutes(tenant_a, admin_client_a):
    response = admin_client_a.post(SETTINGS_URL, settings_data(stage_waiting_for_parts="4"))
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        saved = FieldServiceSettings.objects.get()
        audited = set(
            ConfigurationEvent.objects.filter(action="changed").values_list("field", flat=True)
        ) | set(
            ConfigurationEvent.objects.filter(action="created").values_list("action", flat=True)
        )
    assert saved.on_site_minutes == 24 * 60 + 30
    assert saved.turnaround_minutes == 5 * 24 * 60 + 12 * 60
    assert saved.stage_days["waiting_for_parts"] == 4
    assert saved.stage_days["received"] == 2
    assert (saved.amber_percent, saved.send_reminders) == (80, True)
    assert audited == {"created"}


def test_it_records_each_changed_setting(tenant_a, admin_a, admin_client_a):
    admin_client_a.post(SETTINGS_URL, settings_data())
    admin_client_a.post(SETTINGS_URL, settings_data(on_site_hours="48", on_site_extra_minutes="0"))
    with scope(tenant=tenant_a):
        [row] = ConfigurationEvent.objects.filter(action="changed")
    assert (row.field, row.old_value, row.new_value) == ("on_site_minutes", "1470", "2880")
    assert row.actor == admin_a


def test_it_shows_the_stored_minutes_as_hours_and_days(tenant_a):
    settings = FieldServiceSettings(
        tenant=tenant_a, on_site_minutes=26 * 60 + 15, turnaround_minutes=3 * 1440 + 600
    )
    with scope(tenant=tenant_a):
        form = FieldServiceSettingsForm(instance=settings)
    assert form.initial["on_site_hours"] == 26
    assert form.initial["on_site_extra_minutes"] == 15
    assert form.initial["turnaround_days"] == 3
    assert form.initial["turnaround_hours"] == 10


def test_the_default_page_shows_48_hours_and_7_days(admin_client_a):
    page = admin_client_a.get(SETTINGS_URL).content.decode()
    assert 'name="on_site_hours" value="48"' in page
    assert 'name="turnaround_days" value="7"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("on_site_extra_minutes", "60", "less than or equal to 59"),
        ("turnaround_hours", "-1", "greater than or equal to 0"),
        ("on_site_hours", "abc", "Enter a whole number."),
        ("amber_percent", "100", "less than or equal to 99"),
    ],
)
def test_it_refuses_bad_input(tenant_a, admin_client_a, field, value, message):
    response = admin_client_a.post(SETTINGS_URL, settings_data(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    with scope(tenant=tenant_a):
        assert not FieldServiceSettings.objects.exists()


def test_a_promise_of_zero_is_refused(admin_client_a):
    data = settings_data(on_site_hours="0", on_site_extra_minutes="0")
    response = admin_client_a.post(SETTINGS_URL, data)
    assert response.status_code == 400
    assert "The promise must be longer than zero." in response.content.decode()


def test_the_settings_page_speaks_chinese(admin_client_a):
    admin_client_a.cookies["django_language"] = "zh-hans"
    page = admin_client_a.get(SETTINGS_URL).content.decode()
    assert "现场服务" in page
    assert "维修周转" in page


# --- technicians ----------------------------------------------------------------------------------


def test_an_admin_makes_a_member_a_technician(tenant_a, admin_client_a):
    with scope(tenant=tenant_a):
        member = MembershipFactory(tenant=tenant_a, user=UserFactory(full_name="Wang Wei"))
        calendar = office_calendar(tenant_a)
        before = ConfigurationEvent.objects.filter(action="created").count()
    response = admin_client_a.post(
        reverse("fieldservice_technician_add"),
        {
            "membership": member.pk,
            "regions": " Chaoyang \n\nHaidian\nChaoyang",
            "calendar": calendar.pk,
            "home_base": "Depot North",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        profile = TechnicianProfile.objects.get(membership=member)
        created = ConfigurationEvent.objects.filter(action="created").count() - before
    assert profile.region_list == ["Chaoyang", "Haidian"]
    assert (profile.calendar, profile.home_base, profile.is_active) == (
        calendar,
        "Depot North",
        True,
    )
    assert not profile.is_coordinator
    assert created == 1


def test_an_admin_edits_a_technician_and_the_change_is_audited(tenant_a, admin_client_a):
    with scope(tenant=tenant_a):
        member = make_technician(tenant_a, "wang@acme.test", regions="Chaoyang")
        profile = TechnicianProfile.objects.get(membership=member)
    url = reverse("fieldservice_technician_edit", kwargs={"pk": profile.pk})
    response = admin_client_a.post(
        url, {"regions": "Chaoyang\nDongcheng", "is_coordinator": "on", "is_active": "on"}
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        profile.refresh_from_db()
        fields = set(
            ConfigurationEvent.objects.filter(action="changed").values_list("field", flat=True)
        )
    assert profile.region_list == ["Chaoyang", "Dongcheng"]
    assert profile.is_coordinator
    assert fields == {"regions", "is_coordinator"}


def test_the_technicians_page_lists_them_with_their_feed_links(tenant_a, admin_client_a):
    with scope(tenant=tenant_a):
        member = make_technician(tenant_a, "wang@acme.test", regions="Chaoyang")
    page = admin_client_a.get(reverse("fieldservice_technicians")).content.decode()
    assert "wang" in page and "Chaoyang" in page
    assert f"/dispatch/technicians/{member.pk}/calendar.ics?token=" in page


def test_a_member_already_technician_is_not_offered_again(tenant_a, admin_client_a):
    with scope(tenant=tenant_a):
        member = make_technician(tenant_a, "wang@acme.test")
    response = admin_client_a.post(
        reverse("fieldservice_technician_add"), {"membership": member.pk, "is_active": "on"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_a_manager_or_agent_cannot_change_the_settings(tenant_a, agent_client_a):
    assert agent_client_a.get(SETTINGS_URL).status_code == 404
    assert agent_client_a.post(SETTINGS_URL, settings_data()).status_code == 404
    assert agent_client_a.get(reverse("fieldservice_technicians")).status_code == 404


def test_an_outsider_gets_404_on_the_settings_and_technicians(tenant_a, outsider_client):
    with scope(tenant=tenant_a):
        member = make_technician(tenant_a, "wang@acme.test")
        profile = TechnicianProfile.objects.get(membership=member)
    edit = reverse("fieldservice_technician_edit", kwargs={"pk": profile.pk})
    for url in (SETTINGS_URL, reverse("fieldservice_technicians"), edit):
        assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(edit, {"regions": "x", "is_active": "on"}).status_code == 404


def test_an_admin_of_another_tenant_cannot_edit_this_tenants_technician(
    tenant_a, tenant_b, outsider
):
    with scope(tenant=tenant_a):
        member = make_technician(tenant_a, "wang@acme.test")
        profile = TechnicianProfile.objects.get(membership=member)
    edit = reverse("fieldservice_technician_edit", kwargs={"pk": profile.pk})
    their_client = client_for(outsider, "globex.localhost")
    assert their_client.get(edit).status_code == 404
    assert their_client.post(edit, {"regions": "x", "is_active": "on"}).status_code == 404


def test_saving_the_same_settings_again_records_nothing(tenant_a, admin_client_a):
    admin_client_a.post(SETTINGS_URL, settings_data())
    admin_client_a.post(SETTINGS_URL, settings_data())
    with scope(tenant=tenant_a):
        assert not ConfigurationEvent.objects.filter(action="changed").exists()
