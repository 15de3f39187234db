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


def automations_objects(tenant):
    """A trigger and an automation the URL walkers point at. Precondition: in the scope."""
    trigger = make_trigger(tenant, actions=[{"type": "add_tags", "value": ["walked"]}])
    automation = services.automation_create(
        tenant=tenant,
        actor=None,
        values={
            "name": "Quiet",
            "conditions": when("hours_since_updated", "gt", 72),
            "actions": [{"type": "add_tags", "value": ["quiet"]}],
        },
    )
    return {"trigger": trigger, "automation": automation}
