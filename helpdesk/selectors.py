"""Reads of the tenancy core."""

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from helpdesk.models import (
    ApiToken,
    ConfigurationEvent,
    Membership,
    Notification,
    Role,
    Tenant,
    User,
)
from helpdesk.tenancy import across_tenants


def membership_for(*, user: User, tenant: Tenant) -> Membership | None:
    """The user's active membership in the tenant, with ``unread_notification_count`` (the
    navigation badge every page shows) read in the same query; the user and tenant given are
    set on it rather than read again. Precondition: the tenant's scope is active."""
    if not user.is_authenticated:
        return None
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(count=Count("pk"))
        .values("count")
    )
    membership = (
        Membership.objects.filter(user=user, tenant=tenant, is_active=True)
        .annotate(unread_notification_count=Coalesce(Subquery(unread), 0))
        .first()
    )
    if membership is not None:
        membership.user, membership.tenant = user, tenant
    return membership


def memberships_of_user(*, user: User) -> list[Membership]:
    """Every tenant the user belongs to, for the tenant switcher.

    Reads across tenants on purpose: this is the only place a user sees the list of their
    tenants, and it only ever returns the user's own memberships.
    """
    with across_tenants():
        return list(
            Membership.objects.filter(user=user, is_active=True, tenant__is_active=True)
            .select_related("tenant")
            .order_by("tenant__name")
        )


def tenant_managers(*, tenant: Tenant | None = None) -> QuerySet[Membership]:
    """Who is told when something needs someone in charge (an SLA past its last rung, an
    incident without its first update, a complaint surge): the active admins and managers.

    ``tenant``: that tenant's; None: the scope's tenant, or every tenant's inside
    ``across_tenants()`` (a batch that spans tenants groups them by ``tenant_id``).
    """
    members = Membership.objects.filter(is_active=True, role__in=(Role.ADMIN, Role.MANAGER))
    if tenant is not None:
        members = members.filter(tenant=tenant)
    return members.select_related("user").order_by("pk")


def api_token_in_tenant(*, key_hash: str) -> ApiToken | None:
    """The active token of this hash among the scope's tenant's, with its membership and user.
    Precondition: the tenant scope is active (the request's host named the tenant)."""
    return (
        ApiToken.objects.filter(key_hash=key_hash, revoked_at__isnull=True)
        .select_related("membership__user")
        .first()
    )


def api_token_by_hash(*, key_hash: str) -> ApiToken | None:
    """Find a token before any tenant is known: the key itself says which tenant it belongs to."""
    with across_tenants():
        return (
            ApiToken.objects.filter(key_hash=key_hash, revoked_at__isnull=True)
            .select_related("tenant", "membership__user")
            .first()
        )


def api_token_get_for_admin(*, membership: Membership, pk: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=pk).first()
    if token is None or not membership.has_role("admin"):
        raise Http404
    return token


def notifications_for(*, member: Membership, limit: int = 100) -> list[Notification]:
    """The member's newest notifications. Precondition: the tenant scope is active."""
    newest = Notification.objects.filter(recipient_id=member.pk).order_by("-created_at", "-pk")
    return list(newest[:limit])


def unread_notification_count(*, member: Membership) -> int:
    return Notification.objects.filter(recipient_id=member.pk, read_at__isnull=True).count()


def user_exists_with_email(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


def user_get_active(*, pk: object) -> User | None:
    """An active user by id (users are not tenant-owned); the caller then checks membership."""
    try:
        return User.objects.filter(pk=int(pk), is_active=True).first()
    except (TypeError, ValueError):
        return None


def configuration_event_kinds() -> list[str]:
    """The kinds of target (model labels) the tenant's configuration trail holds."""
    kinds = ConfigurationEvent.objects.values_list("target_type", flat=True).distinct()
    return sorted(kinds.order_by())
