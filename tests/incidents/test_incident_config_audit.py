"""Playbooks and surge settings are audited; incident events are ordinary audit rows."""

from django.urls import reverse
from django_scopes import scope

from helpdesk.models import ConfigurationEvent
from tickets.incidents.surge import surge_settings_save
from tickets.models import IncidentEvent, Playbook


def test_it_audits_a_playbook_written_on_the_page(manager_client_a, manager_a, tenant_a):
    data = {
        "name": "Hotline down",
        "scenario": "Phones unreachable",
        "is_active": "on",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-0-description": "Switch to mobiles",
        "steps-0-owner_role": "",
        "steps-0-owner_member": "",
    }
    assert manager_client_a.post(reverse("playbook_new"), data).status_code == 302
    with scope(tenant=tenant_a):
        playbook = Playbook.objects.get()
    data["steps-0-description"] = "Switch to mobile phones"
    manager_client_a.post(reverse("playbook_edit", args=[playbook.pk]), data)
    with scope(tenant=tenant_a):
        events = list(ConfigurationEvent.objects.filter(target_type="tickets.playbook"))
    assert [(e.action, e.field, e.actor) for e in events] == [
        ("created", "", manager_a),
        ("changed", "steps", manager_a),
    ]
    assert (events[1].old_value, events[1].new_value) == (
        "Switch to mobiles",
        "Switch to mobile phones",
    )


def test_it_audits_surge_settings(tenant_a, manager_a):
    with scope(tenant=tenant_a):
        surge_settings_save(tenant=tenant_a, actor=manager_a, multiplier=4)
        (event,) = ConfigurationEvent.objects.filter(target_type="tickets.surgesettings")
    assert (event.actor, event.field, event.new_value) == (manager_a, "multiplier", "4")


def test_it_records_incident_events_as_audit_rows():
    assert IncidentEvent.subject == "incident"
    assert {"actor_label", "field", "old_value", "new_value"} <= {
        f.name for f in IncidentEvent._meta.get_fields()
    }
