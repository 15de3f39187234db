"""Enqueueing Celery tasks so that a broker outage never fails a request.

Every state change is in the database before its task is queued (after the commit), and every
task's work is also reachable by a periodic sweep. So when Redis is down the request still
succeeds, a clear line is logged, and the sweep does the work once the broker is back.
"""

import logging

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger("helpdesk.platform.enqueue")

# Publishing gives up quickly instead of holding the request while the broker is away.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def enqueue_now(task: Task, **kwargs) -> bool:
    """Queue ``task`` with keyword arguments; False (and a log line) if the broker is down."""
    try:
        task.apply_async(kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY)
    except (OperationalError, OSError):
        logger.warning(
            "broker unavailable: %s not queued now; the periodic sweep will do it", task.name
        )
        return False
    return True


def enqueue_on_commit(task: Task, **kwargs) -> None:
    """Queue ``task`` once the current transaction commits (immediately outside one)."""
    transaction.on_commit(lambda: enqueue_now(task, **kwargs))
