"""The customer's profile page: the record from ``customers`` with the customer's tickets."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from customers.views import customer_detail_context
from helpdesk.auth import member_required
from helpdesk.platform.view_helpers import in_tenant_time_zone
from tickets.selectors import customer_tickets


@member_required()
@require_GET
@in_tenant_time_zone
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = customer_detail_context(request, pk)
    context["tickets"] = customer_tickets(customer=context["customer"])
    return render(request, "customers/detail.html", context)
