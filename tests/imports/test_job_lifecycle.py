"""The background job itself: claimed once, its file removed when it ends, and swept when its
task was lost or its worker died."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope

from helpdesk.background_jobs import (
    REQUEUE_AFTER,
    RUNNING_AT_MOST,
    background_job_create,
    background_job_run,
    background_jobs_sweep,
)
from helpdesk.models import BackgroundJob, ConfigurationEvent, JobStatus
from products.models import Unit
from tests.imports.helpers import catalogue, csv_upload, unit_row


@pytest.fixture
def objs(tenant_a, admin_a):
    return catalogue(tenant_a, admin_a)


def test_it_stores_the_upload_privately_and_removes_it_when_the_job_ends(
    tenant_a, admin_a, objs, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            job = background_job_create(
                tenant=tenant_a,
                actor=admin_a,
                kind="units_import",
                upload=csv_upload([unit_row("f-1")], name="../../etc/passwd.csv"),
            )
        stored = job.file.name
        assert stored.startswith(f"jobs/{tenant_a.pk}/") and "passwd" not in stored
        assert job.file.storage.exists(stored) and job.status == JobStatus.QUEUED
        assert len(queued) == 1  # the task is queued only once the job is committed
        with django_capture_on_commit_callbacks(execute=True):
            assert background_job_run(tenant=tenant_a, job_id=job.pk) == JobStatus.SUCCEEDED
        job.refresh_from_db()
        assert not job.file and not job.file.storage.exists(stored)
        actions = set(
            ConfigurationEvent.objects.filter(target_type="helpdesk.backgroundjob").values_list(
                "action", flat=True
            )
        )
    assert actions == {"started", "succeeded"}


def test_it_runs_a_job_once_however_often_its_task_is_delivered(
    tenant_a, admin_a, objs, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a):
        job = background_job_create(
            tenant=tenant_a,
            actor=admin_a,
            kind="units_import",
            upload=csv_upload([unit_row("once-1")]),
        )
        with django_capture_on_commit_callbacks(execute=True):
            first = background_job_run(tenant=tenant_a, job_id=job.pk)
            again = background_job_run(tenant=tenant_a, job_id=job.pk)
        assert (first, again) == (JobStatus.SUCCEEDED, None)
        assert Unit.objects.count() == 1


def test_it_queues_a_lost_job_again_and_fails_one_whose_worker_died(
    tenant_a, admin_a, objs, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with scope(tenant=tenant_a):
        lost = background_job_create(
            tenant=tenant_a,
            actor=admin_a,
            kind="units_import",
            upload=csv_upload([unit_row("lost-1")]),
        )
        BackgroundJob.objects.filter(pk=lost.pk).update(
            created_at=now - REQUEUE_AFTER - timedelta(seconds=1)
        )
        dead = BackgroundJob.objects.create(
            tenant=tenant_a,
            kind="units_import",
            status=JobStatus.RUNNING,
            started_at=now - RUNNING_AT_MOST - timedelta(seconds=1),
            file=SimpleUploadedFile("x.csv", b"serial\n"),
        )
    with django_capture_on_commit_callbacks(execute=True):
        totals = background_jobs_sweep(now=now)
    assert totals == {"requeued": 1, "failed": 1}
    with scope(tenant=tenant_a):
        lost.refresh_from_db()
        dead.refresh_from_db()
        assert lost.status == JobStatus.SUCCEEDED and Unit.objects.count() == 1
    assert dead.status == JobStatus.FAILED and dead.failure and not dead.file
