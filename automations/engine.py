"""Running a tenant's triggers on an event, inside the transaction of the change that sent it.

* **Order.** The active triggers of the event run in ``position`` order; a trigger whose
  conditions hold fires its actions one after another; ``stop_processing`` ends the run.
* **No loops.** An action is a ticket change like any other and sends its own events, which
  run the triggers again: that is how "a product bug goes to the technical team" can be
  followed by "the technical team's tickets get the 48 h tag". All runs started by one change
  form one *chain*; in a chain each trigger fires at most once per ticket, and a chain goes
  at most ``MAX_DEPTH`` events deep. Two triggers that would undo each other stop after one
  round.
* **Named in the history.** The changes a trigger makes are audited with the trigger as their
  actor ("Trigger 'Product bug → tech team'"), and each firing is a ``trigger_fired`` event on
  the ticket naming it, besides a ``TriggerFiring`` row for the counters.
* **Something gone.** A trigger whose action names a team, agent or category that no longer
  exists is switched off with the reason, and the tenant's admins are told; the change that
  fired it goes through.
* **Cost.** Each process keeps a tenant's triggers of an event, parsed, under the version the
  shared cache gives (``registry``): a chain reads them from the database only the first
  time after a trigger was written, and a tenant's 100 triggers then cost no query at all;
  the definitions are parsed once per distinct text. They are shared between runs and
  threads: nothing may change them in place. The firings' counter rows are written together
  when the chain ends.
"""

import json
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import override

from automations import registry
from automations.actions import MissingReference, run_action
from automations.conditions import matches
from automations.facts import Facts
from automations.models import Automation, Trigger, TriggerFiring
from helpdesk.audit import acting_as, audit_record
from helpdesk.models import Membership, Role
from helpdesk.notifications import notify_many
from tickets.models import Message, Ticket

MAX_DEPTH = 5


@dataclass
class Chain:
    fired: set[tuple[int, int]] = field(default_factory=set)  # (trigger, ticket)
    depth: int = 0
    triggers: dict[str, list[Trigger]] = field(default_factory=dict)  # by event, read once
    registry: dict[int, tuple[frozenset[str], str]] = field(default_factory=dict)  # by tenant
    firings: list[TriggerFiring] = field(default_factory=list)  # written when the chain ends


_chain: ContextVar[Chain | None] = ContextVar("automations_chain", default=None)


def trigger_label(trigger: Trigger) -> str:
    return _("Trigger '%(name)s'") % {"name": trigger.name}


def run_triggers(*, event: str, ticket: Ticket, message: Message | None = None) -> int:
    """Run the tenant's active triggers of ``event`` on ``ticket``; returns how many fired.
    Precondition: the ticket's tenant scope is active, inside the change's transaction."""
    chain = _chain.get()
    token = None
    if chain is None:
        chain = Chain()
        token = _chain.set(chain)
    try:
        if chain.depth >= MAX_DEPTH:
            return 0
        fired = _run(chain, event, ticket, message)
        if token is not None and chain.firings:
            TriggerFiring.objects.bulk_create(chain.firings)  # the counters' rows, at once
        return fired
    finally:
        if token is not None:
            _chain.reset(token)


def has_triggers(event: str, tenant_id: int) -> bool:
    return event in registry.events_with_triggers(tenant_id)


def _triggers_to_run(chain: Chain, event: str, tenant_id: int) -> list[Trigger]:
    """The active triggers of ``event`` in order, with only what a run needs: from this
    process's copy for the tenant's current version (``registry``), read once per chain."""
    if event not in chain.triggers:
        _events, version = chain.registry[tenant_id]
        chain.triggers[event] = registry.triggers_of(
            tenant_id, version, event, lambda: _load(event)
        )
    return chain.triggers[event]


def _load(event: str) -> list[Trigger]:
    """The definitions come as text, parsed through the process's cache."""
    rows = (
        Trigger.objects.filter(event=event, is_active=True)
        .order_by("position", "pk")
        .only("tenant_id", "name", "event", "position", "stop_processing")
        .annotate(
            conditions_text=Cast("conditions", TextField()),
            actions_text=Cast("actions", TextField()),
        )
    )
    triggers = list(rows)
    for trigger in triggers:
        trigger.conditions = _definition(trigger.conditions_text)
        trigger.actions = _definition(trigger.actions_text)
    return triggers


@lru_cache(maxsize=4096)
def _definition(text: str) -> object:
    """A stored definition parsed: once per distinct text in this process."""
    return json.loads(text)


def _run(chain: Chain, event: str, ticket: Ticket, message: Message | None) -> int:
    tenant_id = ticket.tenant_id
    if tenant_id not in chain.registry:
        chain.registry[tenant_id] = registry.entry(tenant_id)
    if event not in chain.registry[tenant_id][0]:
        return 0
    triggers = _triggers_to_run(chain, event, tenant_id)
    if not triggers:
        return 0
    facts = Facts(ticket, message=message)
    fired = 0
    for trigger in triggers:
        key = (trigger.pk, ticket.pk)
        if key in chain.fired or not matches(trigger.conditions, facts):
            continue
        chain.fired.add(key)
        if not _fire(chain, trigger, event, ticket):
            continue
        fired += 1
        facts.forget()
        if trigger.stop_processing:
            break
    return fired


def _fire(chain: Chain, trigger: Trigger, event: str, ticket: Ticket) -> bool:
    """Its firing row is kept in the chain, in firing order, to be written when the chain
    ends; a firing undone (its savepoint rolled back) drops its row and those of the firings
    its actions caused."""
    kept = len(chain.firings)

    def record() -> bool:
        chain.firings.append(
            TriggerFiring(tenant_id=ticket.tenant_id, trigger=trigger, ticket=ticket, event=event)
        )
        return True

    chain.depth += 1
    try:
        done = fire(
            rule=trigger, label=trigger_label(trigger), event=event, ticket=ticket, record=record
        )
    finally:
        chain.depth -= 1
    if not done:
        del chain.firings[kept:]
    return done


def fire(
    *,
    rule: Trigger | Automation,
    label: str,
    event: str,
    ticket: Ticket,
    record: Callable[[], bool],
) -> bool:
    """Run ``rule``'s actions on ``ticket`` in a savepoint, recorded as made by ``label``.
    ``record`` writes the firing first and answers False when it was there already (an
    automation another sweeper fired): then nothing is done. A rule naming something gone
    is switched off instead (False). An action the ticket refuses now (a reply on a closed
    ticket, say) undoes the rule's changes and is noted on the ticket; the change that fired
    the rule goes through (False)."""
    try:
        with transaction.atomic(), acting_as(label):
            if not record():
                return False
            audit_record(
                tenant=ticket.tenant_id,
                actor=label,
                action="trigger_fired" if isinstance(rule, Trigger) else "automation_fired",
                target=ticket,
                new=rule.name,
                data={"rule": rule.pk, "event": event},
            )
            for action in rule.actions:
                run_action(ticket, action, rule.name)
    except MissingReference as gone:
        _disable(rule, label, str(gone))
        chain = _chain.get()
        if chain is not None and isinstance(rule, Trigger):  # not again in this chain
            listed = chain.triggers.get(rule.event, [])
            chain.triggers[rule.event] = [t for t in listed if t.pk != rule.pk]
        return False
    except ValidationError as refused:
        audit_record(
            tenant=ticket.tenant_id,
            actor=label,
            action="rule_refused",
            target=ticket,
            new=rule.name,
            data={"rule": rule.pk, "event": event, "reason": " ".join(refused.messages)},
        )
        return False
    return True


def _disable(rule: Trigger | Automation, label: str, missing: str) -> None:
    """Switch the rule off and tell the admins; its partial changes were rolled back."""
    reason = _("It names %(missing)s, which no longer exists.") % {"missing": missing}
    type(rule).objects.filter(pk=rule.pk).update(is_active=False, disabled_reason=reason[:300])
    registry.forget(rule.tenant_id)
    audit_record(
        tenant=rule.tenant_id, actor=label, action="disabled", target=rule, data={"reason": reason}
    )
    admins = Membership.objects.filter(role=Role.ADMIN, is_active=True).select_related("user")
    notices = []
    for admin in admins:
        with override(admin.user.language or None):
            text = _("%(rule)s was switched off: it names %(missing)s, which no longer exists.") % {
                "rule": label,
                "missing": missing,
            }
        notices.append((admin, text, "/settings/"))
    notify_many(notices)
