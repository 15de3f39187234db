"""Celery entry points of customers: thin, idempotent, scoped through the task base class."""

from celery import shared_task


@shared_task
def sweep_personal_data_retention() -> dict[str, int]:
    """Beat, hourly: erase closed tickets' personal data once their tenant's retention period
    is over, and anonymise customers left with nothing newer. Idempotent (customers.retention)."""
    from .retention import retention_sweep

    return retention_sweep()
