"""Enqueueing Celery tasks so that a broker outage never fails a request.

Every state change is in the database before its task is queued (after the commit), and every
task's work is also reachable by a periodic sweep. So when Redis is down the request still
succeeds, a clear line is logged, and the sweep does the work once the broker is back.

Tasks are named, not imported: ``enqueue_on_commit("tickets.tasks.send_customer_email",
…)``. The name is looked up in the current Celery app's registry, so a service never imports
its own ``tasks`` module (which imports the service back), and the task object found is the
registered one: ``task_always_eager`` still runs it in place. An unknown name raises
``UnknownTask`` at the call, before anything is deferred, rather than being lost later.
"""

import logging

from celery import Task, current_app
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger("helpdesk.platform.enqueue")

# Publishing gives up quickly instead of holding the request while the broker is away.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


class UnknownTask(KeyError):
    """No task of that name is registered with the Celery app."""


def task_named(name: str) -> Task:
    """The registered task called ``name`` (e.g. ``"sla.tasks.sweep"``).

    The tasks modules are discovered lazily: a web process has not imported them until the
    first lookup misses, which then imports them all once (``import_default_modules``).
    """
    if not isinstance(name, str):
        raise TypeError(f"enqueue takes a task's registered name, not {name!r}")
    app = current_app
    if name not in app.tasks:
        app.loader.import_default_modules()
    try:
        return app.tasks[name]
    except KeyError:
        raise UnknownTask(f"no Celery task is registered as {name!r}") from None


def enqueue_now(name: str, **kwargs) -> bool:
    """Queue the task ``name`` with keyword arguments; False (and a log line) if the broker
    is down. An unknown name raises ``UnknownTask``."""
    return _publish(task_named(name), kwargs)


def enqueue_on_commit(name: str, **kwargs) -> None:
    """Queue the task ``name`` once the current transaction commits (immediately outside one).
    The name is checked now: an unknown one raises ``UnknownTask`` here, not after the commit."""
    task = task_named(name)
    transaction.on_commit(lambda: _publish(task, kwargs))


def _publish(task: Task, kwargs: dict) -> bool:
    try:
        task.apply_async(kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY)
    except (OperationalError, OSError):
        logger.warning(
            "broker unavailable: %s not queued now; the periodic sweep will do it", task.name
        )
        return False
    return True
