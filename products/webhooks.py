"""Webhook payloads of the installed base: unit.registered.

Registered with ``helpdesk.webhooks`` when the app is ready; ``helpdesk.audit.audit_record``
calls ``unit_webhooks`` for every audited change of a unit.
"""

from helpdesk.webhooks import webhook_builder


def unit_payload(unit) -> dict:
    """The unit as it is now, by ids (the product's model code is on the loaded product)."""
    ends_on = unit.warranty_ends_on
    return {
        "id": unit.pk,
        "serial": unit.serial,
        "product_id": unit.product_id,
        "model_code": unit.product.model_code,
        "customer_id": unit.customer_id,
        "organization_id": unit.organization_id,
        "purchased_on": unit.purchased_on,
        "installed_on": unit.installed_on,
        "status": unit.status,
        "warranty_ends_on": ends_on,
        "created_at": unit.created_at,
    }


@webhook_builder("products.unit")
def unit_webhooks(change):
    if change.action == "registered":
        yield "unit.registered", lambda: unit_payload(change.target)
