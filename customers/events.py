"""Signals through which customers reaches what other apps hold about a customer.

Customers sits below tickets and surveys, so it cannot import them; instead it sends these, and
each app that keeps data about a customer has receivers for its own rows (``receivers.py``,
listed in ``config/events.py``). Every signal is sent inside the sender's transaction
with the tenant scope active; ``customer_ids`` are one person's rows: the customer and the
duplicates merged into them.
"""

from django.dispatch import Signal

# The data export (``customers.selectors.customer_export``). Keyword: ``customer_ids``.
# Each receiver returns ``(section, rows)``, a key of ``privacy_export.SECTIONS`` and its JSON
# value; the document places the sections in that order, whoever answers first.
customer_data_export = Signal()

# A request to erase (``customers.services.customer_anonymise``), sent before the customer rows
# are locked. Keywords: ``customer_ids``, ``cause`` (``ErasureCause``), ``actor``, ``now``.
# Receivers erase every record of theirs about the person (the tickets) and return how many
# were erased for the first time, which the ``anonymised`` event records.
customer_data_erase = Signal()

# The person's rows are being blanked (request or retention), under the customer row locks.
# Keywords: ``customer_ids``, ``text`` (the placeholder, in the tenant's language), ``now``.
# Receivers blank what is keyed to the person rather than to their tickets (what they wrote
# elsewhere, survey rows after a merge, e-mails still owed); they return nothing.
customer_anonymising = Signal()

# Retention asks before anonymising (``customers.services.customer_anonymise_if_done``).
# Keyword: ``customer_ids``. A receiver returns True while it still keeps personal data of the
# person that the retention sweep has yet to erase (a ticket not closed long enough).
customer_data_held = Signal()

# The customer's effective tier changed (their own tier, their organisation's, or a merge).
# Keyword: ``customer``. Deadlines follow the tier.
customer_tier_changed = Signal()

# A duplicate is being folded into ``keep`` (``customers.services.customer_merge``). Keywords:
# ``keep``, ``duplicate``. Each receiver moves its own rows over and returns a summary dict
# (e.g. ``{"tickets": 3}``) for the ``merged_in`` event.
customer_merging = Signal()
