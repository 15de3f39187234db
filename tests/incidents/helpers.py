"""Builders for incident tests, going through the services like the product does."""

from django.core.mail.backends import locmem

from tickets.incidents import services as incidents
from tickets.incidents.models import Incident


def open_incident(tenant, actor, **kwargs) -> Incident:
    kwargs.setdefault("title", "Payment gateway down")
    kwargs.setdefault("keywords", "payment, 支付")
    return incidents.incident_open(tenant=tenant, actor=actor, **kwargs)


def incident_objects(tenant, actor, ticket) -> dict:
    """An open incident with a linked ticket, an update and a playbook step (for the
    tenant-isolation walk). Precondition: the tenant's scope is active."""
    playbook = incidents.playbook_save(
        tenant=tenant,
        playbook=None,
        name="Payment outage",
        scenario="Customers cannot pay",
        is_active=True,
        steps=[{"description": "Call the bank", "owner_role": "manager"}],
    )
    incident = open_incident(tenant, actor, playbook=playbook)
    incidents.incident_link_tickets(incident=incident, actor=actor, tickets=[ticket])
    update = incidents.incident_update_post(incident=incident, actor=actor, body="Looking into it")
    return {
        "incident": incident,
        "incident_update": update,
        "incident_step": incident.steps.get(),
        "playbook": playbook,
    }


class CrashingMailBackend(locmem.EmailBackend):
    """The locmem backend that dies after ``allowed`` messages, like a worker killed mid-way."""

    allowed = 0

    def send_messages(self, messages):
        if CrashingMailBackend.allowed < len(messages):
            raise RuntimeError("worker died")
        CrashingMailBackend.allowed -= len(messages)
        return super().send_messages(messages)
