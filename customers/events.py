"""Domain events of customer records, for the apps above that keep data about a customer.

Sent inside the sender's transaction with ``sender=Customer``; receivers are listed in
``config/events.py``.
"""

from django.dispatch import Signal

# customer: the customer's effective tier changed (own tier, organisation's, or a merge)
customer_tier_changed = Signal()
# keep, duplicate: the duplicate is being folded into ``keep``; each receiver moves its own
# rows over and returns a summary dict (e.g. ``{"tickets": 3}``) for the audit event
customer_merging = Signal()
