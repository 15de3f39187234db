"""Tasks are queued by their registered name, through the current Celery app's registry."""

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings
from django.utils import timezone
from django_scopes import scope
from kombu.exceptions import OperationalError

from helpdesk.models import IdempotencyKey
from helpdesk.platform.enqueue import UnknownTask, enqueue_now, enqueue_on_commit, task_named

PURGE = "helpdesk.tasks.purge_idempotency_keys"


@pytest.fixture
def stale_key(tenant_a):
    with scope(tenant=tenant_a):
        return IdempotencyKey.objects.create(
            tenant=tenant_a,
            key="k",
            request_hash="0" * 64,
            response_status=201,
            created_at=timezone.now() - timedelta(days=2),
        )


def _key_left(tenant_a) -> bool:
    with scope(tenant=tenant_a):
        return IdempotencyKey.objects.exists()


def test_it_runs_the_named_task_in_place_when_tasks_are_eager(tenant_a, stale_key):
    assert enqueue_now(PURGE) is True
    assert not _key_left(tenant_a)


def test_it_queues_the_named_task_only_after_the_commit(
    tenant_a, stale_key, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(PURGE)
        assert _key_left(tenant_a)
    assert not _key_left(tenant_a)


def test_it_refuses_an_unknown_task_name_at_the_call(django_capture_on_commit_callbacks):
    with pytest.raises(KeyError, match=r"helpdesk\.tasks\.no_such_task"):
        enqueue_now("helpdesk.tasks.no_such_task")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(UnknownTask):
        enqueue_on_commit("helpdesk.tasks.no_such_task", tenant_id=1)
    assert callbacks == []


def test_it_refuses_a_task_object_instead_of_a_name():
    with pytest.raises(TypeError):
        enqueue_now(task_named(PURGE))


def test_it_logs_and_answers_false_when_the_broker_is_down(monkeypatch, caplog):
    task = current_app.tasks[PURGE]

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(task, "apply_async", broker_down)
    with caplog.at_level(logging.WARNING, logger="helpdesk.platform.enqueue"):
        assert enqueue_now(PURGE) is False
    assert f"broker unavailable: {PURGE} not queued now" in caplog.text


def test_it_finds_a_task_whose_module_no_one_imported_yet(tmp_path):
    """A web process imports no tasks module up front (discovery is lazy): the first lookup
    of a name has to find it all the same."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "HELPDESK_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, django; django.setup(); "
            "from helpdesk.platform.enqueue import task_named; "
            "assert 'customers.tasks' not in sys.modules; "
            "print(task_named('tickets.tasks.send_customer_email').name)",
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "tickets.tasks.send_customer_email"
