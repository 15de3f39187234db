"""DRF permissions: members of the request's tenant only; everyone else gets 404."""

from rest_framework import exceptions
from rest_framework.permissions import BasePermission


class IsTenantMember(BasePermission):
    def has_permission(self, request, view) -> bool:
        django_request = request._request
        if getattr(django_request, "tenant", None) is None:
            raise exceptions.NotFound()
        if not request.user or not request.user.is_authenticated:
            return False  # DRF answers 401 with the WWW-Authenticate header
        if not django_request.membership:
            raise exceptions.NotFound()
        return True
