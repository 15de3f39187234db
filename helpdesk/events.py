"""Domain events of the tenancy core. Receivers are listed in ``config/events.py``."""

from django.dispatch import Signal

# tenant: the tenant takes its starting configuration (a new tenant, or the demo and test
# tenants); each app seeds its own part. Receivers are idempotent. Sent with sender=Tenant,
# the tenant's scope active.
tenant_seeding = Signal()
