"""Non-responders get one reminder after the tenant's number of days, never two."""

from datetime import timedelta

from django.core import mail

from surveys.models import SurveyInvitation
from surveys.services import survey_answer, survey_settings_for
from surveys.sweeper import sweep_due
from tests.surveys.conftest import survey_url, token_of


def reminders_to(address):
    return [m for m in mail.outbox if m.to == [address] and m.subject.startswith("Reminder")]


def test_it_reminds_a_non_responder_once(resolve, django_capture_on_commit_callbacks):
    ticket = resolve(email="quiet@example.test")
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    day_before = invitation.created_at + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_due(now=day_before)["reminders"] == 0
        assert sweep_due(now=invitation.created_at + timedelta(days=3, minutes=1))["reminders"] == 1
        assert sweep_due(now=invitation.created_at + timedelta(days=5))["reminders"] == 0
    invitation.refresh_from_db()
    assert invitation.reminder_sent_at == invitation.created_at + timedelta(days=3, minutes=1)
    reminders = reminders_to("quiet@example.test")
    assert len(reminders) == 1
    assert survey_url(token_of(ticket)) in reminders[0].body  # the same link still works


def test_it_follows_the_tenants_reminder_days(resolve, tenant_a):
    config = survey_settings_for(tenant_a)
    config.reminder_after_days = 1
    config.save()
    invitation = SurveyInvitation.objects.get(ticket=resolve())
    assert invitation.remind_at == invitation.created_at + timedelta(days=1)


def test_it_does_not_remind_someone_who_answered(resolve, django_capture_on_commit_callbacks):
    ticket = resolve(email="happy@example.test")
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    survey_answer(invitation=invitation, overall=4)
    with django_capture_on_commit_callbacks(execute=True):
        sweep_due(now=invitation.created_at + timedelta(days=4))
    assert reminders_to("happy@example.test") == []
    invitation.refresh_from_db()
    assert invitation.reminder_sent_at is None and invitation.remind_at is None


def test_it_does_not_remind_after_the_link_expired(resolve):
    invitation = SurveyInvitation.objects.get(ticket=resolve())
    SurveyInvitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    assert sweep_due(now=invitation.created_at + timedelta(days=4))["reminders"] == 1
    invitation.refresh_from_db()
    assert invitation.reminder_sent_at is None and invitation.remind_at is None
    assert sweep_due(now=invitation.created_at + timedelta(days=5))["reminders"] == 0
