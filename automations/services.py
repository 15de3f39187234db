"""Writes of triggers: checked definitions, audited, one transaction each."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from automations import registry
from automations.actions import check_actions
from automations.conditions import DefinitionError, check_conditions
from automations.models import Automation, Trigger, TriggerEvent
from helpdesk.audit import audit_delete, audit_save
from helpdesk.models import Membership, Tenant

EDITABLE_FIELDS = (
    "name",
    "event",
    "is_active",
    "position",
    "conditions",
    "actions",
    "stop_processing",
)


def trigger_values_check(*, tenant: Tenant, values: dict) -> dict:
    """The values with conditions and actions normalised, or ``ValidationError`` naming each
    offending path (``conditions.all[0].operator``, ``actions[1].value``)."""
    errors: dict[str, str] = {}
    checked = dict(values)
    if "event" in values and values["event"] not in TriggerEvent.values:
        errors["event"] = _("Unknown event.")
    if "name" in values and not str(values["name"]).strip():
        errors["name"] = _("Give the trigger a name.")
    try:
        if "conditions" in values:
            checked["conditions"] = check_conditions(values["conditions"])
    except DefinitionError as error:
        errors.update(error.errors)
    try:
        if "actions" in values:
            checked["actions"] = check_actions(values["actions"], tenant_id=tenant.pk)
    except DefinitionError as error:
        errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    return checked


@transaction.atomic
def trigger_create(*, tenant: Tenant, actor: Membership | None, values: dict) -> Trigger:
    values = trigger_values_check(tenant=tenant, values=values)
    trigger = Trigger(tenant=tenant, created_by=actor)
    registry.forget(tenant.pk)
    return audit_save(tenant=tenant, actor=actor, instance=trigger, values=values)


@transaction.atomic
def trigger_update(
    *, tenant: Tenant, actor: Membership | None, trigger: Trigger, values: dict
) -> Trigger:
    """Change the given fields; switching a trigger on again clears why it was switched off."""
    values = trigger_values_check(tenant=tenant, values=values)
    if values.get("is_active"):
        values["disabled_reason"] = ""
    values["updated_at"] = timezone.now()
    registry.forget(tenant.pk)
    return audit_save(tenant=tenant, actor=actor, instance=trigger, values=values)


@transaction.atomic
def trigger_delete(*, tenant: Tenant, actor: Membership | None, trigger: Trigger) -> None:
    registry.forget(tenant.pk)
    audit_delete(tenant=tenant, actor=actor, instance=trigger)


# --- time-based automations -----------------------------------------------------------------------

AUTOMATION_FIELDS = ("name", "is_active", "position", "conditions", "actions")
TIME_FIELDS = ("hours_since_created", "hours_since_updated", "hours_since_customer_message")


def automation_values_check(*, tenant: Tenant, values: dict) -> dict:
    """``trigger_values_check`` for an automation, which must also name how much time has
    passed (an ``all`` condition "hours since … more than N"): without one it would fire on
    every open ticket at the next sweep."""
    checked = trigger_values_check(tenant=tenant, values=values)
    if "conditions" in checked:
        timed = any(
            c["field"] in TIME_FIELDS and c["operator"] in ("gt", "gte")
            for c in checked["conditions"]["all"]
        )
        if not timed:
            raise ValidationError(
                {
                    "conditions.all": _(
                        "Add a condition on the hours since created, updated or the "
                        "customer's last message (more than …)."
                    )
                }
            )
    return checked


@transaction.atomic
def automation_create(*, tenant: Tenant, actor: Membership | None, values: dict) -> Automation:
    values = automation_values_check(tenant=tenant, values={"conditions": {}, **values})
    automation = Automation(tenant=tenant, created_by=actor)
    return audit_save(tenant=tenant, actor=actor, instance=automation, values=values)


@transaction.atomic
def automation_update(
    *, tenant: Tenant, actor: Membership | None, automation: Automation, values: dict
) -> Automation:
    values = automation_values_check(tenant=tenant, values=values)
    if values.get("is_active"):
        values["disabled_reason"] = ""
    values["updated_at"] = timezone.now()
    return audit_save(tenant=tenant, actor=actor, instance=automation, values=values)


@transaction.atomic
def automation_delete(*, tenant: Tenant, actor: Membership | None, automation: Automation) -> None:
    audit_delete(tenant=tenant, actor=actor, instance=automation)


# --- the settings pages' list: order, switch, copy ----------------------------------------------


@transaction.atomic
def rules_reorder(
    *, tenant: Tenant, actor: Membership | None, model: type, ordered_ids: list[int]
) -> None:
    """Number the tenant's rules of ``model`` (triggers or automations) 10, 20, … in the given
    order; rules the list leaves out keep their place after those it names."""
    rules = list(model.objects.select_for_update().order_by("position", "pk"))
    by_id = {rule.pk: rule for rule in rules}
    named = [by_id[pk] for pk in dict.fromkeys(ordered_ids) if pk in by_id]
    rest = [rule for rule in rules if rule not in named]
    for index, rule in enumerate([*named, *rest], start=1):
        if rule.position != index * 10:
            audit_save(tenant=tenant, actor=actor, instance=rule, values={"position": index * 10})


@transaction.atomic
def rule_switch(*, tenant: Tenant, actor: Membership | None, rule, active: bool):
    registry.forget(tenant.pk)
    values = {"is_active": active, "updated_at": timezone.now()}
    if active:
        values["disabled_reason"] = ""
    return audit_save(tenant=tenant, actor=actor, instance=rule, values=values)


@transaction.atomic
def rule_copy(*, tenant: Tenant, actor: Membership | None, rule):
    """A switched-off copy of the rule, placed right after it, to edit into another."""
    registry.forget(tenant.pk)
    copy = type(rule)(tenant=tenant, created_by=actor)
    values = {
        "name": (_("Copy of %(name)s") % {"name": rule.name})[:120],
        "is_active": False,
        "position": rule.position + 1,
        "conditions": rule.conditions,
        "actions": rule.actions,
    }
    if isinstance(rule, Trigger):
        values.update(event=rule.event, stop_processing=rule.stop_processing)
    return audit_save(tenant=tenant, actor=actor, instance=copy, values=values)


def rule_create(*, tenant: Tenant, actor: Membership | None, model: type, values: dict):
    """``trigger_create`` or ``automation_create``, as ``model`` says."""
    create = trigger_create if model is Trigger else automation_create
    return create(tenant=tenant, actor=actor, values=values)


def rule_update(*, tenant: Tenant, actor: Membership | None, rule, values: dict):
    if isinstance(rule, Trigger):
        return trigger_update(tenant=tenant, actor=actor, trigger=rule, values=values)
    return automation_update(tenant=tenant, actor=actor, automation=rule, values=values)


def rule_delete(*, tenant: Tenant, actor: Membership | None, rule) -> None:
    if isinstance(rule, Trigger):
        return trigger_delete(tenant=tenant, actor=actor, trigger=rule)
    return automation_delete(tenant=tenant, actor=actor, automation=rule)
