"""Writes of the field-service settings and technicians' profiles, audited field by field
(``helpdesk.audit.audit_save``, as the SLA and repair settings are).

Preconditions: the tenant scope is active, the caller checked that ``actor`` is a tenant
admin, and ``values`` were validated (``fieldservice.settings_forms``).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fieldservice.models import FieldServiceSettings, TechnicianProfile
from helpdesk.audit import audit_save
from helpdesk.models import Membership, Tenant

PROFILE_FIELDS = ("regions", "calendar", "home_base", "is_coordinator", "is_active")


def field_settings_for(tenant_id: int) -> FieldServiceSettings:
    """The tenant's settings; unsaved defaults (48 h on site, 7 days turnaround) until saved."""
    found = FieldServiceSettings.objects.filter(tenant_id=tenant_id).first()
    return found or FieldServiceSettings(tenant_id=tenant_id)


def field_settings_update(
    *, tenant: Tenant, actor: Membership, settings: FieldServiceSettings, values: dict
) -> FieldServiceSettings:
    """Saves and records only what changed: ``stage_days`` compares as a dict, since
    PostgreSQL's jsonb gives its keys back in its own order."""
    _check_tenant(tenant, settings.tenant_id)
    if settings.pk is not None:
        values = {name: v for name, v in values.items() if getattr(settings, name) != v}
    with transaction.atomic():
        return audit_save(tenant=tenant, actor=actor, instance=settings, values=values)


def technician_profile_create(
    *, tenant: Tenant, actor: Membership, membership: Membership, values: dict
) -> TechnicianProfile:
    """A technician profile for ``membership``; ``ValidationError`` on ``membership`` when it
    is not an active member here or already has one."""
    _check_tenant(tenant, membership.tenant_id)
    if TechnicianProfile.objects.filter(membership=membership).exists():
        raise ValidationError({"membership": _("This member is already a technician.")})
    profile = TechnicianProfile(tenant=tenant, membership=membership)
    with transaction.atomic():
        return audit_save(tenant=tenant, actor=actor, instance=profile, values=_clean(values))


def technician_profile_update(
    *, tenant: Tenant, actor: Membership, profile: TechnicianProfile, values: dict
) -> TechnicianProfile:
    _check_tenant(tenant, profile.tenant_id)
    with transaction.atomic():
        return audit_save(tenant=tenant, actor=actor, instance=profile, values=_clean(values))


def _clean(values: dict) -> dict:
    """Regions one per line, trimmed, without blank lines or repeats."""
    cleaned = {name: values[name] for name in PROFILE_FIELDS if name in values}
    if "regions" in cleaned:
        lines = [line.strip() for line in cleaned["regions"].splitlines()]
        cleaned["regions"] = "\n".join(dict.fromkeys(line for line in lines if line))
    return cleaned


def _check_tenant(tenant: Tenant, tenant_id: int) -> None:
    if tenant_id != tenant.pk:
        raise ValidationError(_("This belongs to another service desk."))
