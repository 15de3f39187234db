"""The one Celery base class that opens a tenant scope for a task."""

from celery import Task, shared_task
from django_scopes import scope

from .models import Tenant


class TenantTask(Task):
    """A task whose first keyword argument is ``tenant_id``; the body runs in that tenant's scope.

    Tasks receive ids, never objects, and must be idempotent (acks_late redelivers them).
    Celery's argument check is off because the caller passes ``tenant_id`` while the body
    receives the loaded ``tenant``.
    """

    typing = False

    def __call__(self, *args, tenant_id: int, **kwargs):
        tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
        if tenant is None:
            return None  # the tenant was removed after the task was queued: nothing to do
        with scope(tenant=tenant):
            return super().__call__(*args, tenant=tenant, **kwargs)


@shared_task(base=TenantTask, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_notification_email(*, tenant: Tenant, notification_id: int) -> bool:
    from .notifications import notification_email

    return notification_email(tenant=tenant, notification_id=notification_id)
