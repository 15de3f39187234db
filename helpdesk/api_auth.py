"""DRF authentication by per-tenant API token: ``Authorization: Token <key>``."""

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .selectors import api_token_by_hash
from .services import hash_api_key


class TenantTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = api_token_by_hash(key_hash=hash_api_key(key))
        if token is None or not token.membership.is_active or not token.membership.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        request_tenant = getattr(self, "_request_tenant", None)
        if request_tenant is None or token.tenant_id != request_tenant.pk:
            # A key of another tenant proves nothing here; answer as for a missing object.
            raise exceptions.NotFound()
        if token.last_used_at is None or (timezone.now() - token.last_used_at).seconds > 60:
            type(token).objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.membership.user, token

    def authenticate(self, request):
        self._request_tenant = getattr(request._request, "tenant", None)
        return super().authenticate(request)
