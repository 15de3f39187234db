"""Reads of customers."""

from .models import Customer


def customer_find_for_intake(*, email: str = "", phone: str = "") -> Customer | None:
    """The existing customer a caller most likely is: same e-mail, else same phone number.

    Precondition: the tenant scope is active (the scoped manager keeps the match in-tenant).
    """
    customers = Customer.objects.select_related("tier").order_by("pk")
    if email.strip():
        return customers.filter(email__iexact=email.strip()).first()
    if phone.strip():
        return customers.filter(phone=phone.strip()).first()
    return None
