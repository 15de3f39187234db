"""The ticket lifecycle's domain events.

The ticket services send them inside their transaction, once the change is written. Receivers
run in that transaction (an exception rolls the change back); work that must wait for the
commit (e-mail, tasks) is queued by the receiver with ``enqueue_on_commit``. Who receives what
is listed in one place, ``config/events.py``.

Every signal is sent with ``sender=Ticket`` and the keyword arguments named beside it.
"""

from django.dispatch import Signal

# ticket, actor
ticket_created = Signal()
# ticket, actor, field, old, new: priority, category, team, tags or assignee
ticket_changed = Signal()
# ticket, message, reopened: the customer wrote back (a resolved or pending ticket reopens)
ticket_customer_replied = Signal()
# ticket, actor, message: a public reply (internal notes send nothing)
ticket_agent_replied = Signal()
# ticket, actor, old, new: an explicit status change (an agent, the auto-close, a merge); a
# reply that opens or reopens a ticket sends its reply event instead
ticket_status_changed = Signal()
# ticket, actor: sent besides ``ticket_status_changed`` when the new status is resolved
ticket_resolved = Signal()
# ticket, actor: a resolved ticket is open again (status change or customer reply)
ticket_reopened = Signal()
# ticket (the duplicate, now closed), target, actor
ticket_merged = Signal()
# ticket, actor, old_team, new_team, reason, expected_handled_by, message (the public notice)
ticket_transferred = Signal()

# ticket_ids, now: tickets' personal data is being erased (``tickets.erasure``); receivers
# blank what they keep about those tickets (surveys: comments, notes, links)
ticket_data_erase = Signal()
