"""Triggers on the events other apps send: a survey answered, an SLA warning or breach (run
after the sweep commits, in a task of their own)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from automations.models import TriggerFiring
from helpdesk.services import tenant_seed_defaults
from sla import sweeper
from sla.models import Calendar, SlaPolicy
from tests.automations.helpers import make_trigger, when
from tests.surveys.helpers import answered_survey
from tests.tickets.helpers import make_ticket

pytestmark = pytest.mark.django_db


def test_a_bad_survey_answer_fires_the_survey_trigger(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        make_trigger(
            tenant_a,
            name="Unhappy customer",
            event="survey.answered",
            conditions=when("survey_score", "lte", 2),
            actions=[{"type": "add_tags", "value": ["unhappy"]}],
        )
        unhappy = make_ticket(tenant_a, subject="Still broken")
        answered_survey(unhappy, actor=admin_a, overall=1)
        happy = make_ticket(tenant_a, subject="All good")
        answered_survey(happy, actor=admin_a, overall=5)
        assert list(unhappy.tags.values_list("name", flat=True)) == ["unhappy"]
        assert not happy.tags.exists()


def test_an_sla_breach_fires_its_trigger_after_the_sweep(
    tenant_a, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        SlaPolicy.objects.all().delete()
        SlaPolicy.objects.create(
            tenant=tenant_a,
            name="One hour",
            calendar=Calendar.objects.get(name="24×7"),
            first_response_minutes=60,
        )
        make_trigger(
            tenant_a,
            name="Breached: urgent",
            event="sla.breach",
            actions=[{"type": "set_priority", "value": "urgent"}],
        )
        ticket = make_ticket(tenant_a)

    with django_capture_on_commit_callbacks(execute=True):
        sweeper.sweep_due(now=timezone.now() + timedelta(minutes=61))

    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
        fired = list(TriggerFiring.objects.values_list("event", flat=True))
    assert ticket.priority == "urgent"
    assert fired == ["sla.breach"]
