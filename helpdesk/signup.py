"""Opening a service desk from the platform host, in two steps so that the open form reveals
nothing about existing accounts and never checks a password.

1. The form (name, address, e-mail, time zone, language) is answered "check your e-mail" for
   every address; a worker mails a signed link carrying the form's data to the address.
2. The link's page creates the desk on POST. Only the mailbox's owner gets there, so the page
   may tell an address that has no account yet (it asks for a new password) from one that has
   (it asks nothing: whoever reads the mailbox could reset that password anyway, and the
   account's password is never set or checked here; the owner signs in as before).
"""

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

SIGNUP_SALT = "helpdesk.signup"
SIGNUP_FIELDS = ("name", "slug", "email", "time_zone", "default_language")


def signup_token_make(request: dict) -> str:
    return signing.dumps({field: request[field] for field in SIGNUP_FIELDS}, salt=SIGNUP_SALT)


def signup_token_read(token: str) -> dict | None:
    """The sign-up request of a mailed link; None when forged or older than the link's age."""
    max_age = settings.HELPDESK_SIGNUP_LINK_MAX_AGE_HOURS * 3600
    try:
        request = signing.loads(token, salt=SIGNUP_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return request if set(request) == set(SIGNUP_FIELDS) else None


def signup_email_send(*, request: dict, domain: str, protocol: str, language: str) -> None:
    """Mail the link that continues ``request`` to its address. The same mail whether or not
    the address has an account: the link's page tells them apart."""
    context = {
        "link": f"{protocol}://{domain}/signup/confirm/{signup_token_make(request)}/",
        "name": request["name"],
        "desk_host": f"{request['slug']}.{settings.HELPDESK_BASE_DOMAIN}",
        "max_age_hours": settings.HELPDESK_SIGNUP_LINK_MAX_AGE_HOURS,
    }
    with translation.override(language):
        subject = render_to_string("platform/signup_email_subject.txt", context)
        body = render_to_string("platform/signup_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [request["email"]])
