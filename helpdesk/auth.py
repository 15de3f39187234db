"""Sign-in by e-mail, its lockout, and the page-level access check."""

from functools import wraps

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from helpdesk.models import User


class EmailBackend(ModelBackend):
    """Authenticate with e-mail + password; e-mail is compared case-insensitively."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = login_email(username or kwargs.get("email"))
        if not email or password is None:
            return None
        user = User.objects.filter(email=email).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def login_email(typed: str | None) -> str:
    """The account an e-mail as typed signs in to: ``" Alice@X.com "`` is ``alice@x.com``."""
    return (typed or "").strip().lower()


def lockout_username(request, credentials: dict | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the lockout counts failures per account, so every spelling
    of one e-mail spends the same budget."""
    source = credentials or getattr(request, "data", None) or request.POST
    return login_email(source.get(settings.AXES_USERNAME_FORM_FIELD)) or None


class LockoutHandler(AxesDatabaseHandler):
    """Two budgets (``AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]``, in that order):
    ``AXES_FAILURE_LIMIT`` failures against one account and ``HELPDESK_LOGIN_IP_FAILURE_LIMIT``
    from one client address. Axes compares one count with one limit, so the address's count is
    scaled to the account's limit: locked when either budget is spent."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_account, by_address = (
            sum(attempts.values_list("failures_since_start", flat=True))
            for attempts in self.get_user_attempts(request, credentials)
        )
        account_limit = settings.AXES_FAILURE_LIMIT
        scaled = by_address * account_limit // settings.HELPDESK_LOGIN_IP_FAILURE_LIMIT
        return max(by_account, scaled)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful sign-in clears its own account's failures only. Axes would also clear
        every failure from the client address, whichever account they were against: an
        attacker could then keep guessing a victim's password between sign-ins to their own."""
        username = lockout_username(request, credentials)
        deleted, _ = AccessAttempt.objects.filter(username=username).delete()
        return deleted


# The host a session was signed in on: a tenant's id, or PLATFORM_HOST for the bare domain.
SESSION_HOST_KEY = "_helpdesk_host"
PLATFORM_HOST = "platform"


def session_host(request) -> str:
    """What a session used on ``request`` must be bound to. Precondition: TenantMiddleware ran."""
    return PLATFORM_HOST if request.tenant is None else str(request.tenant.pk)


def session_bind(session, *, tenant) -> None:
    """Bind ``session`` to ``tenant``'s host (None: the platform host), as a sign-in there
    does; for a session made outside a request (a test client's or a benchmark's)."""
    session[SESSION_HOST_KEY] = PLATFORM_HOST if tenant is None else str(tenant.pk)


def session_bind_to_host(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: the new session is good on this host only. A sign-in outside any
    request to a host (no ``tenant`` on it) leaves the session unbound, and so useless."""
    if hasattr(request, "tenant") and request.session is not None:
        request.session[SESSION_HOST_KEY] = session_host(request)


def session_is_for_other_host(request) -> bool:
    """A signed-in session that was issued on another host, or bound to none."""
    session = request.session
    return SESSION_KEY in session and session.get(SESSION_HOST_KEY) != session_host(request)


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
