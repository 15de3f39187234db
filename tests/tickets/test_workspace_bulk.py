"""The queue's bulk actions beyond assign and status: priority, tags, merge and a macro. Each
ticket goes through its own service; one ticket's failure is reported, the others go through."""

from django.urls import reverse
from django_scopes import scope

from knowledge import services as knowledge_services
from knowledge.services import TemplateFields
from tests.conftest import client_for
from tests.factories import CustomerFactory, TeamFactory, TicketFactory
from tickets import services
from tickets.models import Message, Priority, Status, Ticket

BULK = reverse("ticket_bulk")
BULK_MACRO = reverse("knowledge:template_bulk_apply")


def test_it_sets_the_priority_of_the_selected(tenant_a, admin_a):
    first, second = TicketFactory(tenant=tenant_a), TicketFactory(tenant=tenant_a)
    response = client_for(admin_a).post(
        BULK,
        {"tickets": [first.number, second.number], "action": "priority", "priority": "urgent"},
        follow=True,
    )
    assert "2 ticket(s) updated." in response.content.decode()
    with scope(tenant=tenant_a):
        assert set(Ticket.objects.values_list("priority", flat=True)) == {Priority.URGENT}


def test_it_asks_for_the_priority_with_a_message(tenant_a, admin_a):
    ticket = TicketFactory(tenant=tenant_a)
    response = client_for(admin_a).post(
        BULK, {"tickets": [ticket.number], "action": "priority"}, follow=True
    )
    assert "Choose the new priority." in response.content.decode()


def test_it_adds_and_removes_tags_keeping_the_others(tenant_a, admin_a):
    ticket = TicketFactory(tenant=tenant_a)
    with scope(tenant=tenant_a):
        services.ticket_set_tags(ticket=ticket, actor=admin_a, names=["warranty", "noisy"])
    client_for(admin_a).post(
        BULK,
        {
            "tickets": [ticket.number],
            "action": "tags",
            "add_tags": "recall，dryer",
            "remove_tags": "NOISY",
        },
    )
    with scope(tenant=tenant_a):
        names = sorted(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True))
    assert names == ["dryer", "recall", "warranty"]


def test_it_merges_the_selected_into_one_reporting_each_refusal(tenant_a, admin_a):
    customer = CustomerFactory(tenant=tenant_a)
    target = TicketFactory(tenant=tenant_a, customer=customer)
    duplicate = TicketFactory(tenant=tenant_a, customer=customer)
    stranger = TicketFactory(tenant=tenant_a)  # another customer's: refused
    numbers = [target.number, duplicate.number, stranger.number]
    response = client_for(admin_a).post(
        BULK, {"tickets": numbers, "action": "merge", "merge_into": target.number}, follow=True
    )
    page = response.content.decode()
    assert f"#{stranger.number}: Only tickets of the same customer can be merged." in page
    assert "2 ticket(s) updated." in page
    with scope(tenant=tenant_a):
        assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == target.pk
        assert Ticket.objects.get(pk=target.pk).status != Status.CLOSED
        assert Ticket.objects.get(pk=stranger.pk).merged_into_id is None


def test_it_refuses_to_merge_into_a_ticket_the_agent_cannot_open(tenant_a, agent_a, team_a):
    hidden = TicketFactory(tenant=tenant_a, team=TeamFactory(tenant=tenant_a, name="Billing"))
    mine = TicketFactory(tenant=tenant_a, team=team_a, customer=hidden.customer)
    response = client_for(agent_a).post(
        BULK,
        {"tickets": [mine.number], "action": "merge", "merge_into": hidden.number},
        follow=True,
    )
    assert f"There is no ticket #{hidden.number} that you can open." in response.content.decode()
    with scope(tenant=tenant_a):
        assert Ticket.objects.get(pk=mine.pk).merged_into_id is None


def test_it_replies_to_each_selected_with_a_macro(tenant_a, admin_a):
    first, second = TicketFactory(tenant=tenant_a), TicketFactory(tenant=tenant_a)
    closed = TicketFactory(tenant=tenant_a, status=Status.CLOSED)
    with scope(tenant=tenant_a):
        macro = knowledge_services.reply_template_create(
            tenant=tenant_a,
            owner=admin_a,
            fields=TemplateFields(
                name="Parts ordered",
                body="Ticket #{{ ticket.number }}: the part is on its way.",
                set_priority="high",
            ),
        )
    numbers = [first.number, second.number, closed.number]
    response = client_for(admin_a).post(
        BULK_MACRO, {"tickets": numbers, "template": macro.pk}, follow=True
    )
    page = response.content.decode()
    assert "2 ticket(s) updated." in page and f"#{closed.number}: " in page
    with scope(tenant=tenant_a):
        for ticket in (first, second):
            body = Message.objects.get(ticket=ticket).body
            assert body == f"Ticket #{ticket.number}: the part is on its way."
            assert Ticket.objects.get(pk=ticket.pk).priority == "high"
        assert not Message.objects.filter(ticket=closed).exists()


def test_it_answers_404_for_a_template_the_member_may_not_use(tenant_a, admin_a, agent_a):
    ticket = TicketFactory(tenant=tenant_a)
    with scope(tenant=tenant_a):
        personal = knowledge_services.reply_template_create(
            tenant=tenant_a, owner=admin_a, fields=TemplateFields(name="Mine", body="Hi")
        )
    response = client_for(agent_a).post(
        BULK_MACRO, {"tickets": [ticket.number], "template": personal.pk}
    )
    assert response.status_code == 404
