"""Domain events of surveys, sent by ``surveys.services`` inside the answer's transaction.
Who receives them is listed in ``config/events.py``.

Every signal is sent with ``sender=Ticket`` and the keyword arguments named beside it.
"""

from django.dispatch import Signal

# ticket, response: the customer answered (or changed their answer to) the ticket's survey
survey_answered = Signal()

# ticket, follow_up: a follow-up passed its due time undone and was escalated (once), inside
# the sweep batch's transaction
follow_up_overdue = Signal()
