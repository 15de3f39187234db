"""The demo installed base: a unit per demo customer, some in and some out of warranty, and
running it again adds nothing."""

from django_scopes import scope

from customers.demo import seed_customers
from products.demo import seed_products
from products.models import Product, Unit


def test_it_seeds_units_in_and_out_of_warranty_once(tenant_a):
    with scope(tenant=tenant_a):
        customers = seed_customers(tenant_a)
        units = seed_products(tenant_a, customers)
        assert [unit.customer for unit in units] == customers
        assert {unit.in_warranty for unit in units} == {True, False}
        assert seed_products(tenant_a, customers) == units
        assert (Product.objects.count(), Unit.objects.count()) == (4, len(customers))
        assert Product.objects.get(model_code="AC-9000").name_zh == "分体式空调"
