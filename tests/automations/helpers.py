"""Triggers for the automation tests, made through the service as an admin would."""

from automations import services


def make_trigger(tenant, *, event="ticket.created", conditions=None, actions, **values):
    """Precondition: in the tenant's scope."""
    values.setdefault("name", "Rule")
    return services.trigger_create(
        tenant=tenant,
        actor=None,
        values={"event": event, "conditions": conditions or {}, "actions": actions, **values},
    )


def when(field, operator, value=None):
    return {"all": [{"field": field, "operator": operator, "value": value}]}
