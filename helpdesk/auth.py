"""Sign-in by e-mail, and the page-level access check."""

from functools import wraps

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from helpdesk.models import User


class EmailBackend(ModelBackend):
    """Authenticate with e-mail + password; e-mail is compared case-insensitively."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = (username or kwargs.get("email") or "").strip().lower()
        if not email or password is None:
            return None
        user = User.objects.filter(email=email).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def member_required(*roles: str):
    """Decorate a tenant page: anonymous → sign in; not a member (or wrong role) → 404.

    404 rather than 403 so a page never confirms that something exists in another tenant.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.tenant is None:
                raise Http404
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = request.membership
            if not membership or (roles and membership.role not in roles):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
