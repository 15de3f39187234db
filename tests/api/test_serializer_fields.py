"""Output serializers derive their fields once per class; every instance still owns its copy."""

from tickets.api import TicketDetailSerializer, TicketSerializer


def test_it_gives_every_serializer_its_own_bound_fields():
    first, second = TicketSerializer(), TicketSerializer()
    assert first.fields.keys() == second.fields.keys()
    for name in ("customer", "sla", "created_at"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
    nested = first.fields["customer"].fields["tier"]
    assert nested is not second.fields["customer"].fields["tier"]


def test_it_keeps_each_subclass_fields_apart():
    assert "escalations" in TicketDetailSerializer().fields
    assert "escalations" not in TicketSerializer().fields
