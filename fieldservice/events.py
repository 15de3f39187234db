"""Domain events of work orders, sent by ``fieldservice.services`` inside their transaction
once the change is written. Who receives them is listed in ``config/events.py``.

Every signal is sent with ``sender=WorkOrder`` and the keyword arguments named beside it.
"""

from django.dispatch import Signal

# work_order, actor
work_order_created = Signal()
# work_order, actor, field, old, new: the status (field "status") or the appointment
# (field "appointment", old and new the technician ids)
work_order_changed = Signal()
