"""The customer portal at ``/support/`` on the tenant's host: public, no agent login.

A visitor files a request on the web form, follows a ticket through an unguessable signed link
(never by number + e-mail), replies to it, and may ask for a one-time sign-in link by e-mail to
see all their requests. The signed-in customer lives in the session under a key that names the
tenant; Django's user accounts are for agents only. A link that is forged, of another tenant
or for a ticket that no longer exists is a 404; an expired one gets a page that says so.
"""

from functools import wraps

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import selectors as customer_selectors
from customers import services, tokens
from customers.models import Customer
from helpdesk.platform import ratelimit
from helpdesk.platform.view_helpers import service_error_into_form
from tickets import selectors
from tickets.attachments import attachment_response
from tickets.customer_emails import follow_url, sign_in_email_queue
from tickets.intake import Requester, ticket_intake
from tickets.models import Channel, Status
from tickets.portal_forms import PortalReplyForm, PortalSignInForm, PortalTicketForm
from tickets.services import ticket_customer_reply

SESSION_KEY = "portal_customer"


def portal_page(view):
    """A portal page: only on a tenant host, with the tenant's current notices."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.tenant is None:
            raise Http404
        request.portal_notices = customer_selectors.portal_notices_now()
        request.portal_customer = _session_customer(request)
        return view(request, *args, **kwargs)

    return wrapper


def _render(request, template: str, context: dict | None = None, status: int = 200):
    context = {
        "notices": request.portal_notices,
        "portal_customer": request.portal_customer,
        **(context or {}),
    }
    return render(request, f"customers/portal/{template}", context, status=status)


def _too_many(request: HttpRequest) -> HttpResponse:
    return _render(request, "rate_limited.html", status=429)


# --- web form ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@portal_page
def portal_home(request: HttpRequest) -> HttpResponse:
    customer = request.portal_customer
    if request.method != "POST":
        initial = {**_known_details(customer), "unit": request.GET.get("unit", "")}
        form = PortalTicketForm(customer=customer, initial=initial)
        return _render(request, "home.html", {"form": form})
    if ratelimit.hit(request, "submit"):
        return _too_many(request)
    form = PortalTicketForm(request.POST, request.FILES, customer=customer)
    if form.is_robot:
        # Say nothing useful to a robot and create nothing.
        return _render(request, "received.html", {"ticket": None})
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = ticket_intake(
                tenant=request.tenant,
                requester=Requester(
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    language=translation.get_language() or "",
                ),
                subject=data["subject"],
                description=data["description"],
                category=data["category"],
                channel=Channel.WEB,
                attachments=data["attachments"],
                unit=data.get("unit"),
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            token = tokens.follow_token(tenant_id=ticket.tenant_id, ticket_id=ticket.pk)
            return redirect("portal_received", token=token)
    return _render(request, "home.html", {"form": form}, status=400)


def _known_details(customer: Customer | None) -> dict:
    """The signed-in customer's details, so that they need not type them again."""
    if customer is None:
        return {}
    return {"name": customer.name, "email": customer.email, "phone": customer.phone}


def _ticket_or_404(request: HttpRequest, token: str):
    """(ticket, None) for a good link, (None, expired-page response) for an expired one."""
    ticket, expired = selectors.portal_ticket_from_token(tenant=request.tenant, token=token)
    if expired:
        return None, _render(request, "link_expired.html", status=410)
    if ticket is None:
        raise Http404
    return ticket, None


@require_GET
@portal_page
def portal_received(request: HttpRequest, token: str) -> HttpResponse:
    ticket, expired = _ticket_or_404(request, token)
    if expired:
        return expired
    link = request.build_absolute_uri(reverse("portal_ticket", kwargs={"token": token}))
    return _render(request, "received.html", {"ticket": ticket, "follow_link": link})


# --- following a ticket --------------------------------------------------------------------------


def _ticket_page(request, ticket, token: str, form=None, status: int = 200) -> HttpResponse:
    context = {
        "ticket": ticket,
        "token": token,
        "thread": selectors.portal_public_thread(ticket=ticket),
        "form": form or PortalReplyForm(),
        "is_closed": ticket.status == Status.CLOSED,
    }
    return _render(request, "ticket.html", context, status=status)


@require_GET
@portal_page
def portal_ticket(request: HttpRequest, token: str) -> HttpResponse:
    ticket, expired = _ticket_or_404(request, token)
    return expired or _ticket_page(request, ticket, token)


@require_POST
@portal_page
def portal_reply(request: HttpRequest, token: str) -> HttpResponse:
    ticket, expired = _ticket_or_404(request, token)
    if expired:
        return expired
    form = PortalReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            ticket_customer_reply(
                ticket=ticket,
                customer=ticket.customer,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            return redirect("portal_ticket", token=token)
    fresh, _expired = selectors.portal_ticket_from_token(tenant=request.tenant, token=token)
    return _ticket_page(request, fresh, token, form=form, status=400)


@require_GET
@portal_page
def portal_attachment(request: HttpRequest, token: str, pk: int) -> FileResponse:
    ticket, expired = _ticket_or_404(request, token)
    if expired:
        raise Http404
    attachment = selectors.portal_attachment_get(ticket=ticket, pk=pk)
    return attachment_response(attachment.file, name=attachment.original_name)


# --- my tickets (one-time sign-in link) ---------------------------------------------------------


def _session_customer(request: HttpRequest) -> Customer | None:
    stored = request.session.get(SESSION_KEY) or {}
    if stored.get("tenant") != request.tenant.pk or not stored.get("customer"):
        return None
    return customer_selectors.portal_customer_get(pk=stored["customer"])


@require_http_methods(["GET", "POST"])
@portal_page
def portal_sign_in(request: HttpRequest) -> HttpResponse:
    form = PortalSignInForm(request.POST or None)
    if request.method == "POST":
        if ratelimit.hit(request, "sign-in"):
            return _too_many(request)
        if form.is_valid():
            customer = customer_selectors.customer_find_for_intake(email=form.cleaned_data["email"])
            if customer is not None:
                with transaction.atomic():
                    sign_in_email_queue(customer=customer)
            # The same answer whether or not we know the address: no address oracle.
            return _render(request, "sign_in_sent.html")
        return _render(request, "sign_in.html", {"form": form}, status=400)
    return _render(request, "sign_in.html", {"form": form})


@require_http_methods(["GET", "POST"])
@portal_page
def portal_sign_in_accept(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST spends the link and signs in (no change on GET, and
    mail scanners that open links do not use it up)."""
    verdict = tokens.sign_in_token_read(token, tenant=request.tenant)
    if verdict.expired:
        return _render(request, "link_expired.html", status=410)
    customer = None
    if verdict.object_id:
        customer = customer_selectors.portal_customer_get(pk=verdict.object_id)
    if customer is None:
        raise Http404  # forged, or made for another tenant
    if verdict.sign_in_count != customer.portal_sign_in_count:
        return _render(request, "link_expired.html", status=410)  # already used
    if request.method != "POST":
        return _render(request, "sign_in_accept.html", {"token": token})
    if not services.portal_sign_in(customer=customer, sign_in_count=verdict.sign_in_count):
        return _render(request, "link_expired.html", status=410)
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"tenant": request.tenant.pk, "customer": customer.pk}
    return redirect("portal_my_tickets")


@require_GET
@portal_page
def portal_my_tickets(request: HttpRequest) -> HttpResponse:
    customer = request.portal_customer
    if customer is None:
        return redirect("portal_sign_in")
    rows = [
        (ticket, follow_url(ticket))
        for ticket in selectors.portal_customer_tickets(customer=customer)
    ]
    return _render(request, "my_tickets.html", {"rows": rows})


@require_POST
@portal_page
def portal_sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("portal_home")
