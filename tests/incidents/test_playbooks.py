"""Contingency playbooks (scenario → steps → owner), attached to incidents and drills, whose
steps are checked off with who and when."""

from django.urls import reverse

from helpdesk.models import Role
from tests.incidents.helpers import open_incident
from tickets.incidents import services as incidents
from tickets.incidents.models import IncidentStep, Playbook


def _formset(steps):
    data = {
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "50",
    }
    for n, (description, role, member) in enumerate(steps):
        data[f"steps-{n}-description"] = description
        data[f"steps-{n}-owner_role"] = role
        data[f"steps-{n}-owner_member"] = member
    return data


def test_a_manager_writes_a_playbook_with_ordered_steps_and_owners(manager_client_a, agent_a):
    response = manager_client_a.post(
        reverse("playbook_new"),
        {
            "name": "Hotline down 热线中断",
            "scenario": "The phone system is unreachable",
            "is_active": "on",
            **_formset(
                [
                    ("Switch the hotline to mobile phones", Role.TEAM_LEAD, ""),
                    ("", "", ""),
                    ("Log calls on paper", "", agent_a.pk),
                ]
            ),
        },
    )
    assert response.status_code == 302
    playbook = Playbook.objects.get()
    steps = incidents.playbook_steps(playbook=playbook)
    assert [(s.position, s.description) for s in steps] == [
        (1, "Switch the hotline to mobile phones"),
        (2, "Log calls on paper"),
    ]
    assert steps[0].owner_role == Role.TEAM_LEAD and steps[1].owner_member == agent_a


def test_an_agent_cannot_edit_playbooks(agent_client_a):
    assert agent_client_a.get(reverse("playbook_new")).status_code == 404
    assert agent_client_a.get(reverse("playbook_list")).status_code == 200


def _playbook(tenant, agent):
    return incidents.playbook_save(
        tenant=tenant,
        playbook=None,
        name="Payment outage",
        scenario="Customers cannot pay",
        is_active=True,
        steps=[
            {"description": "Call the bank", "owner_role": Role.MANAGER},
            {"description": "Post a notice", "owner_member": agent},
        ],
    )


def test_steps_are_copied_onto_the_incident_and_checked_off_with_who_and_when(
    tenant_a, admin_a, agent_a, agent_client_a
):
    incident = open_incident(tenant_a, admin_a, playbook=_playbook(tenant_a, agent_a))
    _bank, notice = incident.steps.order_by("position")
    url = reverse("incident_step_done", args=[incident.pk, notice.pk])
    assert agent_client_a.post(url).status_code == 302
    notice.refresh_from_db()
    assert notice.done_by == agent_a and notice.done_at is not None
    first_done_at = notice.done_at
    agent_client_a.post(url)  # checking it off again changes nothing
    notice.refresh_from_db()
    assert notice.done_at == first_done_at
    page = agent_client_a.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "done by" in page


def test_a_step_owned_by_another_role_cannot_be_checked_off_by_an_agent(
    tenant_a, admin_a, agent_a, agent_client_a
):
    incident = open_incident(tenant_a, admin_a, playbook=_playbook(tenant_a, agent_a))
    bank = incident.steps.get(description="Call the bank")
    url = reverse("incident_step_done", args=[incident.pk, bank.pk])
    assert agent_client_a.post(url).status_code == 404
    bank.refresh_from_db()
    assert bank.done_at is None


def test_a_drill_records_its_steps_the_same_way(tenant_a, admin_a, agent_a, admin_client_a):
    drill = open_incident(tenant_a, admin_a, title="Quarterly drill", is_drill=True)
    response = admin_client_a.post(
        reverse("incident_playbook_attach", args=[drill.pk]),
        {"playbook": _playbook(tenant_a, agent_a).pk},
    )
    assert response.status_code == 302
    for step in IncidentStep.objects.filter(incident=drill):
        incidents.incident_step_done(step=step, actor=admin_a)
    assert not IncidentStep.objects.filter(incident=drill, done_at__isnull=True).exists()
    assert drill.events.filter(action="step_done").count() == 2
