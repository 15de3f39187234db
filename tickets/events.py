"""Signals of tickets for the apps above it, which tickets cannot import."""

from django.dispatch import Signal

# Tickets' personal data is being erased (``tickets.erasure.tickets_personal_data_erase``),
# inside that transaction with the tenant scope active. Keywords: ``ticket_ids``, ``now``.
# Receivers blank what they keep about those tickets (surveys: comments, notes, links).
ticket_data_erase = Signal()
