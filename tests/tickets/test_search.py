"""The workspace search (tickets.search): every kind of match, tenant and team boundaries."""

import pytest
from django_scopes import scope

from customers.models import Customer
from tests.factories import TeamFactory
from tests.products.helpers import make_product, make_unit
from tests.tickets.helpers import make_customer, make_ticket
from tickets.search import (
    GROUP_LIMIT,
    caller_query,
    callers_matching,
    phone_digits,
    workspace_search,
)


@pytest.fixture
def huang(tenant_a):
    with scope(tenant=tenant_a):
        return Customer.objects.create(
            tenant=tenant_a,
            name="Huang Lei 黄磊",
            email="huang.lei@example.cn",
            phone="13911112222",
        )


# "+86 139 1111 2222" typed with a Chinese input method's full-width characters.
FULL_WIDTH_NUMBER = "".join(
    "\u3000" if char == " " else chr(ord(char) + 0xFEE0) for char in "+86 139 1111 2222"
)


def search(member, query):
    with scope(tenant=member.tenant):
        return workspace_search(member=member, query=query)


def numbers(group):
    return sorted(ticket.number for ticket in group.rows)


@pytest.mark.parametrize("typed", ["+86 139 1111 2222", "13911112222", "139-1111-2222"])
def test_it_finds_a_customer_by_phone_however_it_is_written(agent_a, huang, typed):
    results = search(agent_a, typed)
    assert [c.pk for c in results.customers.rows] == [huang.pk]


def test_it_finds_a_customer_whose_number_was_stored_with_its_country_code(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        stored = Customer.objects.create(tenant=tenant_a, name="Wang", phone="0086 139-2222-3333")
    for typed in ("13922223333", "139 2222 3333", "+8613922223333"):
        assert [c.pk for c in search(agent_a, typed).customers.rows] == [stored.pk], typed


def test_it_finds_customers_by_name_and_email_and_their_tickets(tenant_a, agent_a, huang):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, customer=huang, subject="Fridge noisy")
        make_ticket(tenant_a, subject="Unrelated")
    for typed in ("huang", "黄磊", "HUANG.LEI@example"):
        results = search(agent_a, typed)
        assert [c.pk for c in results.customers.rows] == [huang.pk], typed
        assert numbers(results.tickets) == [ticket.number], typed


def test_it_finds_a_ticket_by_number_with_or_without_hash(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        tickets = [make_ticket(tenant_a, subject=f"Call {n}") for n in range(3)]
    wanted = tickets[1].number
    assert wanted in numbers(search(agent_a, f"#{wanted}").tickets)
    assert numbers(search(agent_a, f"# {wanted}").tickets) == [wanted]


def test_it_finds_tickets_by_any_subject_word(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        leak = make_ticket(tenant_a, subject="Washer leaks")
        noise = make_ticket(tenant_a, subject="Dryer noise")
        make_ticket(tenant_a, subject="Oven broken")
    assert numbers(search(agent_a, "leaks noise").tickets) == [leak.number, noise.number]


def test_it_finds_a_chinese_subject_by_a_phrase_inside_it(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        leak = make_ticket(tenant_a, subject="滚筒洗衣机漏水严重")
        make_ticket(tenant_a, subject="冰箱不制冷")
    assert numbers(search(agent_a, "洗衣机漏水").tickets) == [leak.number]


def test_it_finds_a_unit_by_serial_with_its_owner_and_tickets(tenant_a, agent_a, huang):
    with scope(tenant=tenant_a):
        unit = make_unit(tenant_a, customer=huang, serial="ACM-AC-778899")
        ticket = make_ticket(tenant_a, subject="No cooling", unit=unit)
    results = search(agent_a, "acm-ac-7788")
    assert [(u.serial, u.customer.name) for u in results.units.rows] == [
        ("ACM-AC-778899", "Huang Lei 黄磊")
    ]
    assert numbers(results.tickets) == [ticket.number]


def test_it_counts_open_tickets_the_member_may_open(tenant_a, agent_a, huang):
    with scope(tenant=tenant_a):
        make_ticket(tenant_a, customer=huang, subject="One")
        make_ticket(tenant_a, customer=huang, subject="Two")
        closed = make_ticket(tenant_a, customer=huang, subject="Three")
        closed.status = "closed"
        closed.save(update_fields=["status"])
    assert search(agent_a, "huang").customers.rows[0].open_ticket_count == 2


def test_it_caps_each_group_and_says_how_many_matched(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
        for n in range(GROUP_LIMIT + 3):
            make_ticket(tenant_a, customer=customer, subject=f"Leak {n}")
    tickets = search(agent_a, "leak").tickets
    assert (len(tickets.rows), tickets.count, tickets.has_more) == (
        GROUP_LIMIT,
        GROUP_LIMIT + 3,
        True,
    )


def test_it_hides_tickets_of_another_team_from_an_agent(tenant_a, agent_a, admin_a, team_a):
    with scope(tenant=tenant_a):
        other_team = TeamFactory(tenant=tenant_a, name="Installation")
        mine = make_ticket(tenant_a, subject="Leak in kitchen")
        theirs = make_ticket(tenant_a, subject="Leak in bathroom")
        theirs.team = other_team
        theirs.save(update_fields=["team"])
    assert numbers(search(agent_a, "leak").tickets) == [mine.number]
    assert numbers(search(admin_a, "leak").tickets) == [mine.number, theirs.number]


def test_it_never_finds_another_tenants_records(tenant_a, tenant_b, agent_a, outsider):
    with scope(tenant=tenant_b):
        other = Customer.objects.create(tenant=tenant_b, name="Huang B", phone="13911112222")
        make_ticket(tenant_b, customer=other, subject="Huang's washer")
        make_unit(tenant_b, customer=other, serial="HUANG-1")
    results = search(agent_a, "huang")
    assert results.is_empty
    assert search(agent_a, "13911112222").is_empty


def test_it_leaves_merged_duplicates_out(tenant_a, agent_a, huang):
    with scope(tenant=tenant_a):
        Customer.objects.create(tenant=tenant_a, name="Huang dup", merged_into=huang)
    assert [c.pk for c in search(agent_a, "huang").customers.rows] == [huang.pk]


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("+86 139 1111 2222", "13911112222"),
        ("1234", ""),
        ("Huang 139", ""),
        ("(010) 6552-1234", "01065521234"),
        (FULL_WIDTH_NUMBER, "13911112222"),
    ],
)
def test_it_reads_only_phone_like_text_as_a_phone_number(typed, digits):
    assert phone_digits(typed) == digits


def test_it_offers_callers_by_phone_before_name_with_units_and_open_tickets(
    tenant_a, agent_a, huang
):
    with scope(tenant=tenant_a):
        Customer.objects.create(tenant=tenant_a, name="Huang Other", phone="13700000000")
        product = make_product(tenant_a)
        for n in range(4):
            make_unit(tenant_a, customer=huang, product=product, serial=f"SN-{n}")
        make_ticket(tenant_a, customer=huang, subject="Open one")
        by_phone = caller_query(phone="139-1111-2222", name="Huang")
        callers = callers_matching(member=agent_a, text=by_phone)
        assert [c.pk for c in callers] == [huang.pk]
        found = callers[0]
        assert (found.unit_count, found.open_ticket_count, len(found.recent_units)) == (4, 1, 3)
        by_name = caller_query(phone="139", name="huang")
        assert len(callers_matching(member=agent_a, text=by_name)) == 2


def test_it_looks_for_no_caller_until_enough_is_typed():
    assert caller_query(phone="139", name="h") == ""
    assert caller_query(phone="", name="Hu") == "Hu"
