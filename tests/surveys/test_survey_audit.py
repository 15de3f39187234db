"""Survey settings changes are audited; survey answers reach webhooks through the audit call."""

from django_scopes import scope

from helpdesk.models import ConfigurationEvent, WebhookDelivery
from helpdesk.webhook_subscriptions import webhook_subscription_create
from surveys.services import survey_settings_update
from tests.factories import CustomerFactory
from tests.surveys.helpers import answered_survey
from tickets import services as ticket_services
from tickets.models import TicketEvent


def test_it_audits_survey_settings_changes(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        survey_settings_update(tenant=tenant_a, actor=admin_a, values={"invitation_expiry_days": 3})
        (event,) = ConfigurationEvent.objects.filter(target_type="surveys.surveysettings")
    assert (event.actor, event.field, event.new_value) == (admin_a, "invitation_expiry_days", "3")
    assert event.old_value not in ("", "3")


def test_it_emits_survey_answered_through_the_audit_call(tenant_a, admin_a, settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True
    with scope(tenant=tenant_a):
        webhook_subscription_create(
            tenant=tenant_a, url="http://127.0.0.1:9/hook", events=["survey.answered"]
        )
        ticket = ticket_services.ticket_create(
            tenant=tenant_a,
            actor=admin_a,
            customer=CustomerFactory(tenant=tenant_a),
            subject="Fridge is noisy",
            description="Humming all night",
        )
        response = answered_survey(ticket, actor=admin_a, overall=5)
        delivery = WebhookDelivery.objects.get(event="survey.answered")
        event = TicketEvent.objects.get(ticket=ticket, action="survey_answered")
    assert delivery.payload["response_id"] == response.pk == event.data["response"]
    assert delivery.payload["ticket_number"] == ticket.number
