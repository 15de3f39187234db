"""The signed-in customer's products in the portal: their registered units with warranty and
their own requests about each, and registering a new one (serial, purchase date, invoice).

Only a customer signed in through the one-time link (``portal_views``) gets here; without one
the pages send them to sign in. Another customer's unit, or another tenant's, is a 404.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from helpdesk.platform import ratelimit
from helpdesk.platform.view_helpers import service_error_into_form
from products.services import unit_register
from tickets import selectors
from tickets.attachments import attachment_response
from tickets.customer_emails import follow_url
from tickets.portal_forms import PortalUnitRegisterForm
from tickets.portal_views import _render, _too_many, portal_page

# How the audit trail names a customer who registered a unit themselves.
PORTAL_ACTOR = "customer portal"


def _with_links(unit) -> list:
    return [(ticket, follow_url(ticket)) for ticket in unit.portal_tickets]


@require_GET
@portal_page
def portal_products(request: HttpRequest) -> HttpResponse:
    customer = request.portal_customer
    if customer is None:
        return redirect("portal_sign_in")
    units = selectors.portal_customer_units(customer=customer)
    rows = [(unit, _with_links(unit)) for unit in units]
    return _render(request, "products.html", {"rows": rows})


@require_GET
@portal_page
def portal_product(request: HttpRequest, pk: int) -> HttpResponse:
    customer = request.portal_customer
    if customer is None:
        return redirect("portal_sign_in")
    unit = selectors.portal_customer_unit(customer=customer, pk=pk)
    return _render(request, "product.html", {"unit": unit, "tickets": _with_links(unit)})


@require_GET
@portal_page
def portal_product_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    """The invoice the customer uploaded for their own unit; 404 for anyone else's."""
    customer = request.portal_customer
    if customer is None:
        return redirect("portal_sign_in")
    unit = selectors.portal_customer_unit(customer=customer, pk=pk)
    if not unit.invoice:
        raise Http404
    return attachment_response(unit.invoice, name=unit.invoice_name or "invoice")


@require_http_methods(["GET", "POST"])
@portal_page
def portal_product_register(request: HttpRequest) -> HttpResponse:
    customer = request.portal_customer
    if customer is None:
        return redirect("portal_sign_in")
    if request.method != "POST":
        return _render(request, "product_register.html", {"form": PortalUnitRegisterForm()})
    if _over_registration_limit(customer):
        return _too_many(request)
    form = PortalUnitRegisterForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            unit = _register(request, customer, form.cleaned_data)
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            return redirect("portal_product", pk=unit.pk)
    return _render(request, "product_register.html", {"form": form}, status=400)


def _over_registration_limit(customer) -> bool:
    """Per customer, not per address: a household behind one address may register several,
    one account may not flood the installed base."""
    return ratelimit.over_limit(
        bucket="register-unit",
        ident=f"customer-{customer.pk}",
        limit=settings.HELPDESK_PORTAL_RATE_PER_HOUR,
    )


def _register(request: HttpRequest, customer, data: dict):
    return unit_register(
        tenant=request.tenant,
        actor=PORTAL_ACTOR,
        serial=data["serial"],
        product=data["product"],
        customer=customer,
        purchased_on=data["purchased_on"],
        purchase_channel=data["purchase_channel"],
        installation_address=data["installation_address"],
        invoice=data["invoice"] or None,
    )
