"""DRF authentication by per-tenant API token: ``Authorization: Token <key>``."""

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from helpdesk.selectors import api_token_by_hash, api_token_in_tenant
from helpdesk.services import hash_api_key


class TenantTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        key_hash = hash_api_key(key)
        request_tenant = getattr(self, "_request_tenant", None)
        # Looked up among the host's tenant's tokens first, in its scope (no switch of the
        # database session's tenant setting and back); across tenants only when that fails,
        # to tell another tenant's key (404) from no key at all (401).
        token = api_token_in_tenant(key_hash=key_hash) if request_tenant is not None else None
        if token is None:
            token = api_token_by_hash(key_hash=key_hash)
        if token is None or not token.membership.is_active or not token.membership.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        owners = {token.tenant_id, token.membership.tenant_id}
        if request_tenant is None or owners != {request_tenant.pk}:
            # A key of another tenant proves nothing here; answer as for a missing object.
            raise exceptions.NotFound()
        if token.last_used_at is None or (timezone.now() - token.last_used_at).total_seconds() > 60:
            type(token).objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.membership.user, token

    def authenticate(self, request):
        self._request_tenant = getattr(request._request, "tenant", None)
        result = super().authenticate(request)
        if result is not None:
            # The token names the membership, checked active and of this tenant above: the
            # one ``membership_for`` would look up again (one per user and tenant).
            membership = result[1].membership
            membership.tenant = self._request_tenant
            request._request.membership = membership
        return result
