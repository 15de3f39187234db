"""The one writer of audit rows: ``audit_record`` (in the manner of pretix's ``log_action``).

Every audited change, in every app, calls ``audit_record`` inside the transaction of the change.
It writes one append-only row and emits the webhooks registered for it, so the row, its
webhooks and the change commit or roll back together.

* **Where the row goes.** A concrete ``AuditEvent`` subclass names its subject foreign key
  (``TicketEvent.subject = "ticket"``); the target's model picks the table through that key, so
  this bottom layer never imports the apps above it. A target with no table of its own
  (membership, API token, webhook, SLA policy, tenant settings, …) gets a
  ``ConfigurationEvent`` row that keeps its type, id and a readable label.
* **Webhooks.** The apps that know the data register payload builders for their targets'
  models (``helpdesk.webhooks.webhook_builder``); ``audit_record`` calls the builders of the
  target's model and emits what they return.
* **Values.** ``old`` and ``new`` are stored as text (``None`` as empty); the builders see the
  values as passed. Never pass a secret (a token key, a webhook secret).
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from functools import cache

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy

from helpdesk.models import AuditEvent, ConfigurationEvent, Membership, Tenant
from helpdesk.webhooks import webhooks_for_change

MAX_LABEL_LENGTH = 200
# The actor labels of automatic changes are stored as these codes, whatever language the request
# that caused them was in, and translated when a reader sees them (``actor_display``).
SYSTEM_ACTOR = "System"
AUTOMATIC_ACTORS = {SYSTEM_ACTOR: gettext_lazy("System"), "SLA": gettext_lazy("SLA")}
# Who a change with no member as its actor is recorded as, while a rule makes it.
_acting_label: ContextVar[str | None] = ContextVar("audit_acting_label", default=None)


@contextmanager
def acting_as(label: str) -> Iterator[None]:
    """Record the changes made inside, those with no member as their actor, as made by
    ``label`` (a trigger: "Trigger 'Product bug → tech team'") instead of "System"."""
    token = _acting_label.set(label)
    try:
        yield
    finally:
        _acting_label.reset(token)


@dataclass(frozen=True)
class AuditChange:
    """One audited change as the webhook builders see it: the values as passed, and the row."""

    tenant_id: int
    actor: Membership | None
    action: str
    target: models.Model
    field: str
    old: object
    new: object
    data: dict = dataclass_field(default_factory=dict)
    row: AuditEvent | None = None


def audit_record(
    *,
    tenant: Tenant | int,
    actor: Membership | str | None,
    action: str,
    target: models.Model,
    field: str = "",
    old: object = "",
    new: object = "",
    data: dict | None = None,
    created_at: datetime | None = None,
    webhooks: bool = True,
    defer: list[AuditEvent] | None = None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``target`` (``field``: ``old`` → ``new``).

    ``actor`` is a membership, ``None`` for the system, or a label for an automatic actor
    ("SLA"). Writes the row in the target's event table (``ConfigurationEvent`` if it has none)
    and emits the webhooks registered for the change. Precondition: the tenant scope is active;
    call it inside the transaction of the change.

    ``webhooks=False`` skips the builders (a caller that knows nobody subscribed); ``defer``
    collects the unsaved row instead of saving it, for a batch that inserts them at once with
    ``audit_flush``.
    """
    tenant_id = getattr(tenant, "pk", tenant)
    data = data or {}
    row = _row(tenant_id, actor, action, target, field, old, new, data)
    if created_at is not None:
        row.created_at = created_at
    if defer is None:
        row.save(force_insert=True)
    else:
        defer.append(row)
    if webhooks:
        member = actor if isinstance(actor, Membership) else None
        change = AuditChange(tenant_id, member, action, target, field, old, new, data, row)
        webhooks_for_change(change)
    return row


def audit_flush(rows: Iterable[AuditEvent]) -> None:
    """Insert rows collected with ``audit_record(defer=…)``, one INSERT per table."""
    by_model: dict[type[AuditEvent], list[AuditEvent]] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    for model, batch in by_model.items():
        model.objects.bulk_create(batch)


def actor_display(label: str) -> str:
    """A stored actor label in the reader's language: the automatic actors' codes are
    translated, a person's or a rule's name is shown as stored."""
    return str(AUTOMATIC_ACTORS.get(label, label))


def _row(tenant_id, actor, action, target, field, old, new, data) -> AuditEvent:
    if isinstance(actor, Membership):
        actor_label = str(actor.user)
    else:
        actor_label = actor or _acting_label.get() or SYSTEM_ACTOR
        actor = None
    common = {
        "tenant_id": tenant_id,
        "actor": actor,
        "actor_label": actor_label[:MAX_LABEL_LENGTH],
        "action": action,
        "field": field,
        "old_value": _text(old),
        "new_value": _text(new),
        "data": data,
    }
    event_model, subject = _event_tables().get(target._meta.concrete_model, (None, None))
    if event_model is not None:
        return event_model(**common, **{subject: target})
    return ConfigurationEvent(
        **common,
        target_type=target._meta.label_lower,
        target_id="" if target.pk is None else str(target.pk),
        target_label=str(target)[:MAX_LABEL_LENGTH],
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


@cache
def _event_tables() -> dict[type[models.Model], tuple[type[AuditEvent], str]]:
    """Target model → (its event table, the subject field), from the installed models."""
    tables = {}
    for model in apps.get_models():
        if issubclass(model, AuditEvent) and model.subject:
            target = model._meta.get_field(model.subject).related_model
            tables[target._meta.concrete_model] = (model, model.subject)
    return tables


# --- configuration writes -------------------------------------------------------------------------


def audit_save(
    *,
    tenant: Tenant | int,
    actor: Membership | None,
    instance: models.Model,
    values: dict,
) -> models.Model:
    """Set ``values`` (model fields; many-to-many fields as iterables) on ``instance``, save it
    and record it: one ``created`` row with the values, or one ``changed`` row per field whose
    value changed (old → new). Precondition: in a transaction, scope active; the values were
    validated (a form, a serializer). Never pass a secret among the values."""
    fields = [instance._meta.get_field(name) for name in values]
    creating = instance.pk is None
    before = {} if creating else _values(type(instance)._base_manager.get(pk=instance.pk), fields)
    for field in fields:
        if not field.many_to_many:
            setattr(instance, field.name, values[field.name])
    instance.save()
    for field in fields:
        if field.many_to_many:
            getattr(instance, field.name).set(values[field.name])
    after = _values(instance, fields)
    audit_saved(
        tenant=tenant,
        actor=actor,
        target=instance,
        before=None if creating else before,
        after=after,
    )
    return instance


def audit_saved(
    *,
    tenant: Tenant | int,
    actor: Membership | None,
    target: models.Model,
    before: dict[str, str] | None,
    after: dict[str, str],
) -> None:
    """Record a save from snapshots (``audit_snapshot``): one ``created`` row with the values
    when ``before`` is None, else one ``changed`` row per field that differs."""
    if before is None:
        audit_record(
            tenant=tenant,
            actor=actor,
            action="created",
            target=target,
            new=target,
            data={"values": after},
        )
    else:
        audit_changes(tenant=tenant, actor=actor, target=target, before=before, after=after)


def audit_delete(*, tenant: Tenant | int, actor: Membership | None, instance: models.Model) -> None:
    """Record the deletion of ``instance`` (its label stays in the row), then delete it."""
    audit_record(tenant=tenant, actor=actor, action="deleted", target=instance, old=instance)
    instance.delete()


def _values(instance: models.Model, fields: list) -> dict[str, str]:
    """Each field's value as the audit trail shows it."""
    values = {}
    for field in fields:
        if field.many_to_many:
            related = getattr(instance, field.name).all() if instance.pk else []
            values[field.name] = ", ".join(sorted(str(item) for item in related))
        else:
            values[field.name] = _text(getattr(instance, field.name))
    return values


def audit_snapshot(instance: models.Model, names) -> dict[str, str]:
    """The named fields' values as the audit trail shows them, to compare with ``audit_changes``."""
    return _values(instance, [instance._meta.get_field(name) for name in names])


def audit_changes(
    *,
    tenant: Tenant | int,
    actor: Membership | None,
    target: models.Model,
    before: dict[str, str],
    after: dict[str, str],
) -> int:
    """One ``changed`` row for each field whose value differs between the two snapshots."""
    changed = 0
    for name, new in after.items():
        if before.get(name, "") != new:
            audit_record(
                tenant=tenant,
                actor=actor,
                action="changed",
                target=target,
                field=name,
                old=before.get(name, ""),
                new=new,
            )
            changed += 1
    return changed
