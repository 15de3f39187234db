"""Domain events of the SLA engine, sent by ``sla.services`` inside the transaction that
records them. Who receives them is listed in ``config/events.py``.

Every signal is sent with ``sender=Ticket`` and the keyword arguments named beside it.
"""

from django.dispatch import Signal

# ticket, target (first_response, next_response, resolution), level (warning, breach,
# manager), due_at: a rung of the ticket's ladder was recorded, once
sla_checkpoint_passed = Signal()
