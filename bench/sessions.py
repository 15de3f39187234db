"""Signed-in sessions for the benchmarks' clients, bound to the tenant host they use."""

from django.test import Client

from helpdesk.auth import session_bind


def sign_in(client: Client, user, *, tenant) -> None:
    """``force_login`` plus the host binding a real sign-in on ``tenant``'s host records."""
    client.force_login(user, backend="helpdesk.auth.EmailBackend")
    session = client.session
    session_bind(session, tenant=tenant)
    session.save()
