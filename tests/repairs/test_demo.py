"""The demo parts: a warehouse, a technician's van with stock, parts linked to demo products."""

from django_scopes import scope

from products.models import Product
from repairs.demo import PARTS, seed_parts
from repairs.models import LocationKind, Part, StockLevel, StockMovement


def test_it_seeds_parts_with_stock_once(tenant_a, admin_a, agent_a, team_a):
    with scope(tenant=tenant_a):
        Product.objects.create(tenant=tenant_a, model_code="AC-1", name="Air con")
        seed_parts(tenant_a, agent_a)
        seed_parts(tenant_a, agent_a)
        assert Part.objects.count() == len(PARTS)
        van = StockLevel.objects.filter(location__kind=LocationKind.VAN, location__holder=agent_a)
        assert sum(van.values_list("on_hand", flat=True)) == sum(p[6][1] for p in PARTS)
        compressor = Part.objects.get(part_number="CMP-R410")
        assert [p.model_code for p in compressor.compatible_products.all()] == ["AC-1"]
        assert compressor.responsible_team == team_a
        assert not StockMovement.objects.filter(quantity__lt=0).exists()
