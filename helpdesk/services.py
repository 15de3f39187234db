"""Writes of the tenancy core. Each function is one transaction."""

import hashlib
import logging
import secrets

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from helpdesk import events
from helpdesk.audit import audit_record
from helpdesk.models import ApiToken, Membership, Notification, Role, Skill, Team, Tenant, User

logger = logging.getLogger(__name__)


def hash_api_key(key: str) -> str:
    # The key carries 256 bits of randomness, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


def user_get_or_create(*, email: str, password: str | None = None, full_name: str = "") -> User:
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, full_name=full_name)
    return user


@transaction.atomic
def tenant_create(
    *,
    slug: str,
    name: str,
    admin_email: str,
    admin_password: str | None,
    time_zone: str = "Asia/Shanghai",
    default_language: str = "zh-hans",
    origin: str = "platform",
) -> tuple[Tenant, Membership]:
    """Create a tenant and its first admin. An existing user (same e-mail) joins as admin.
    ``origin`` says how it came to be (``signup``, ``command``, ``demo``) for the tenant's
    audit trail, whose first rows are the tenant's creation and its first admin."""
    tenant = Tenant(slug=slug, name=name, time_zone=time_zone, default_language=default_language)
    tenant.full_clean()
    tenant.save()
    user = user_get_or_create(email=admin_email, password=admin_password)
    with scope(tenant=tenant):
        membership = Membership.objects.create(tenant=tenant, user=user, role=Role.ADMIN)
        audit_record(
            tenant=tenant,
            actor=membership if origin == "signup" else None,
            action="created",
            target=tenant,
            data={"slug": slug, "origin": origin},
        )
        audit_record(
            tenant=tenant,
            actor=None,
            action="created",
            target=membership,
            data={"email": user.email, "role": Role.ADMIN},
        )
        tenant_seed_defaults(tenant)
    return tenant, membership


def tenant_seed_defaults(tenant: Tenant) -> None:
    """Tiers, SLA policies, banned phrases a new tenant starts with: each app seeds its own
    part on ``tenant_seeding`` (receivers in config/events.py). Precondition: scope active."""
    events.tenant_seeding.send(sender=Tenant, tenant=tenant)


@transaction.atomic
def membership_create(
    *,
    tenant: Tenant,
    email: str,
    role: str,
    password: str | None = None,
    full_name: str = "",
    certification_stage: str = "certified",
    skills: list[Skill] | None = None,
    actor: Membership | None = None,
) -> Membership:
    """Precondition: the tenant's scope is active."""
    user = user_get_or_create(email=email, password=password, full_name=full_name)
    membership, created = Membership.objects.get_or_create(
        tenant=tenant,
        user=user,
        defaults={"role": role, "certification_stage": certification_stage},
    )
    if created:
        audit_record(
            tenant=tenant,
            actor=actor,
            action="created",
            target=membership,
            new=membership.role,
            data={"certification_stage": membership.certification_stage},
        )
    if skills:
        membership_skills_set(
            membership=membership, skills=[*membership.skills.all(), *skills], actor=actor
        )
    return membership


@transaction.atomic
def membership_role_change(
    *, membership: Membership, role: str, actor: Membership | None
) -> Membership:
    if membership.role != role:
        old, membership.role = membership.role, role
        membership.save(update_fields=["role"])
        audit_record(
            tenant=membership.tenant_id,
            actor=actor,
            action="changed",
            target=membership,
            field="role",
            old=old,
            new=role,
        )
    return membership


@transaction.atomic
def membership_skills_set(
    *, membership: Membership, skills: list[Skill], actor: Membership | None
) -> Membership:
    old = sorted(skill.name for skill in membership.skills.all())
    new = sorted({skill.name for skill in skills})
    if old != new:
        membership.skills.set(skills)
        audit_record(
            tenant=membership.tenant_id,
            actor=actor,
            action="changed",
            target=membership,
            field="skills",
            old=", ".join(old),
            new=", ".join(new),
        )
    return membership


@transaction.atomic
def membership_deactivate(*, membership: Membership, actor: Membership | None) -> Membership:
    """The member can no longer work in this tenant; their tickets and history stay."""
    if membership.is_active:
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        audit_record(
            tenant=membership.tenant_id,
            actor=actor,
            action="deactivated",
            target=membership,
            field="is_active",
            old=True,
            new=False,
        )
    return membership


@transaction.atomic
def tenant_privacy_update(
    *, tenant: Tenant, actor: Membership, personal_data_retention_days: int | None
) -> Tenant:
    """How long closed tickets keep their personal data; None or 0 keeps it for ever. A shorter
    period takes effect at the next retention sweep (tickets.retention)."""
    old = tenant.personal_data_retention_days
    tenant.personal_data_retention_days = personal_data_retention_days or None
    tenant.save(update_fields=["personal_data_retention_days"])
    if old != tenant.personal_data_retention_days:
        audit_record(
            tenant=tenant,
            actor=actor,
            action="changed",
            target=tenant,
            field="personal_data_retention_days",
            old=old,
            new=tenant.personal_data_retention_days,
        )
    logger.info(
        "personal data retention of tenant %s changed from %s to %s days by member %s",
        tenant.pk,
        old,
        tenant.personal_data_retention_days,
        actor.pk,
    )
    return tenant


@transaction.atomic
def skill_get_or_create(*, tenant: Tenant, name: str, actor: Membership | None = None) -> Skill:
    skill, created = Skill.objects.get_or_create(tenant=tenant, name=name)
    if created:
        audit_record(tenant=tenant, actor=actor, action="created", target=skill, new=name)
    return skill


@transaction.atomic
def team_create(
    *,
    tenant: Tenant,
    name: str,
    lead: Membership | None,
    members: list[Membership],
    actor: Membership | None = None,
) -> Team:
    team, created = Team.objects.get_or_create(tenant=tenant, name=name, defaults={"lead": lead})
    if not created and team.lead_id is None and lead is not None:
        team.lead = lead  # a team the desk started with (the technical team) gets its lead
        team.save(update_fields=["lead"])
    before = set(team.members.values_list("pk", flat=True))
    team.members.add(*members, *([lead] if lead else []))
    added = sorted({member.pk for member in members} | ({lead.pk} if lead else set()) - before)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="created" if created else "members_added",
        target=team,
        new=name if created else "",
        data={"lead": lead.pk if lead else None, "members": added},
    )
    return team


@transaction.atomic
def api_token_create(
    *, membership: Membership, name: str, actor: Membership | None = None
) -> tuple[ApiToken, str]:
    """Return the token row and the clear key; the key is not stored and cannot be shown again.
    The audit trail keeps the name, the owner and the key's first characters, never the key."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        tenant=membership.tenant,
        membership=membership,
        name=name,
        key_prefix=key[:8],
        key_hash=hash_api_key(key),
    )
    audit_record(
        tenant=token.tenant_id,
        actor=actor,
        action="created",
        target=token,
        new=name,
        data={"membership": membership.pk, "key_prefix": token.key_prefix},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Membership | None = None) -> None:
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(tenant=token.tenant_id, actor=actor, action="revoked", target=token)


def notifications_mark_read(*, member: Membership, pks: list[int] | None = None) -> int:
    """Mark the member's unread notifications (all, or those in ``pks``) read; returns how many.

    One conditional UPDATE restricted to the member's own rows, so a foreign id does nothing.
    """
    unread = Notification.objects.filter(recipient_id=member.pk, read_at__isnull=True)
    if pks is not None:
        unread = unread.filter(pk__in=pks)
    return unread.update(read_at=timezone.now())


def password_reset_email_send(*, user_id: int, domain: str, protocol: str, language: str) -> bool:
    """Send a reset link to ``user_id`` on ``domain``; False when the account can no longer
    reset (deactivated, or its password made unusable since the request)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    context = {
        "domain": domain,
        "protocol": protocol,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "user": user,
    }
    with translation.override(language):
        subject = render_to_string("registration/password_reset_subject.txt", context)
        body = render_to_string("registration/password_reset_email.html", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])
    return True
