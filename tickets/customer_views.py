"""The customer's profile page: the record from ``customers`` with the customer's tickets and
registered units (each linking to the unit page by its URL name)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from customers.views import customer_detail_context
from helpdesk.auth import member_required
from helpdesk.platform.view_helpers import in_tenant_time_zone
from products.selectors import units_of_customer
from tickets.selectors import customer_tickets

# A dealer or a building manager may own hundreds; the installed-base list has the rest.
MAX_UNITS_SHOWN = 100


@member_required()
@require_GET
@in_tenant_time_zone
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = customer_detail_context(request, pk)
    context["tickets"] = customer_tickets(customer=context["customer"])
    context["units"] = units_of_customer(customer=context["customer"])[:MAX_UNITS_SHOWN]
    return render(request, "customers/detail.html", context)
