"""Demo spare parts for acme: a warehouse, the van of a field technician, a handful of parts
with stock, one of them already low; compatible with the demo products where there are any."""

from decimal import Decimal

from helpdesk.models import Membership, Team, Tenant
from products.models import Product
from repairs.models import LocationKind, Part
from repairs.services import part_create, stock_location_create, stock_receive, stock_transfer

# part number, name, Chinese name, cost, price, threshold, (warehouse stock, van stock)
PARTS = (
    ("CMP-R410", "Compressor (R410A)", "压缩机（R410A）", "820.00", "1280.00", 3, (6, 1)),
    ("PCB-MAIN-07", "Main control board", "主控板", "310.00", "560.00", 2, (4, 2)),
    ("FLT-HEPA-02", "HEPA filter", "高效过滤网", "38.00", "89.00", 10, (40, 6)),
    ("MTR-FAN-11", "Fan motor", "风扇电机", "150.00", "260.00", 2, (2, 0)),
    ("SNS-TEMP-03", "Temperature sensor", "温度传感器", "12.50", "45.00", 5, (20, 4)),
)


def seed_parts(tenant: Tenant, technician: Membership) -> None:
    """Idempotent: does nothing once the tenant has parts. Precondition: scope active."""
    if Part.objects.exists():
        return
    warehouse = stock_location_create(
        tenant=tenant, actor=None, name="Main warehouse 总仓", kind=LocationKind.WAREHOUSE
    )
    van = stock_location_create(
        tenant=tenant,
        actor=None,
        name=f"Van of {technician.user}",
        kind=LocationKind.VAN,
        holder=technician,
    )
    teams = Team.objects.order_by("pk")
    team = teams.filter(name__startswith="Repair").first() or teams.first()
    products = list(Product.objects.order_by("pk")[:3])
    for number, name, name_zh, cost, price, threshold, (in_store, in_van) in PARTS:
        part = part_create(
            tenant=tenant,
            actor=None,
            part_number=number,
            name=name,
            name_zh=name_zh,
            unit_cost=Decimal(cost),
            unit_price=Decimal(price),
            low_stock_threshold=threshold,
            responsible_team=team,
            compatible_products=products,
        )
        stock = {"tenant": tenant, "actor": None, "part": part}
        stock_receive(**stock, location=warehouse, quantity=in_store + in_van)
        if in_van:
            stock_transfer(**stock, source=warehouse, destination=van, quantity=in_van)
