"""Celery entry points of the automations."""

from celery import shared_task

from automations import sweep as automation_sweep


@shared_task
def sweep() -> int:
    """Beat, every five minutes (``HELPDESK_AUTOMATION_SWEEP_SECONDS``). Idempotent: each
    firing is a unique row, so a sweep that overlaps another fires nothing twice."""
    return automation_sweep.sweep()
