"""Finding the unit in every intake path: the agent's form (serial, or the lookup by phone or
e-mail, with htmx and without JavaScript), inbound e-mail with a serial in the subject, the
API by serial; and the phone normalisation the lookup relies on."""

from email.message import EmailMessage

import pytest
from django_scopes import scope

from customers.models import Customer
from products.selectors import phone_digits, units_of_phone
from tests.api.conftest import post_json, token_client
from tests.conftest import HOST_B, client_for
from tests.products.helpers import make_product, make_unit
from tests.tickets.helpers import make_customer
from tickets.inbound_mail import inbound_email_process, parse_inbound, serial_candidates
from tickets.models import Ticket


@pytest.fixture
def owner(tenant_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a, email="han.meimei@example.cn")
        Customer.objects.filter(pk=customer.pk).update(phone="+86 138-0013-8000")
        customer.refresh_from_db()
        return customer


@pytest.fixture
def product(tenant_a):
    with scope(tenant=tenant_a):
        return make_product(tenant_a)


@pytest.fixture
def unit(tenant_a, owner, product):
    with scope(tenant=tenant_a):
        return make_unit(tenant_a, customer=owner, product=product)


@pytest.fixture
def second_unit(tenant_a, owner, product):
    with scope(tenant=tenant_a):
        return make_unit(tenant_a, customer=owner, product=product, serial="ACM-AC-000456")


def intake(**fields) -> dict:
    data = {
        "customer_email": "",
        "customer_phone": "",
        "customer_name": "",
        "serial": "",
        "subject": "Noise at night",
        "priority": "normal",
        "channel": "phone",
    }
    return {**data, **fields}


# --- phone numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["+86 138-0013-8000", "13800138000", "0086 138 0013 8000", "(+86) 138.0013.8000"]
)
def test_it_reads_every_way_of_writing_a_phone_number_as_the_same_digits(typed):
    assert phone_digits(typed) == "13800138000"


def test_it_keeps_a_landline_with_its_area_code():
    assert phone_digits("021-6888 8888") == "02168888888"


def test_it_finds_the_units_of_a_phone_however_it_is_written(tenant_a, tenant_b, unit):
    with scope(tenant=tenant_a):
        assert units_of_phone("13800138000") == [unit]
        assert units_of_phone("+86 138 0013 8000") == [unit]
        assert units_of_phone("13800138001") == []
        assert units_of_phone("8000") == []  # too short to mean anyone
    with scope(tenant=tenant_b):
        assert units_of_phone("13800138000") == []


# --- the agent's form -------------------------------------------------------------------------


def test_it_lists_the_owners_units_for_a_phone_number_as_an_htmx_fragment(
    tenant_a, agent_a, unit, second_unit
):
    response = client_for(agent_a).get(
        "/tickets/new/units/", {"customer_phone": "138 0013 8000"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert f'value="{unit.pk}"' in page and f'value="{second_unit.pk}"' in page
    assert "ACM-AC-000123" in page and "ACM-AC-000456" in page and "Li Lei" in page
    assert "In warranty until 2027-02-28" in page


def test_it_lists_the_owners_other_units_for_a_serial(tenant_a, agent_a, unit, second_unit):
    page = client_for(agent_a).get("/tickets/new/units/", {"serial": "acm-ac-000456"})
    text = page.content.decode()
    assert text.index("ACM-AC-000456") < text.index("ACM-AC-000123")


def test_it_says_when_the_lookup_finds_nothing(tenant_a, agent_a, unit):
    page = client_for(agent_a).get("/tickets/new/units/", {"serial": "NOPE-1"}).content.decode()
    assert "No registered unit matches" in page and 'name="unit"' not in page


def test_it_looks_units_up_without_javascript_keeping_what_was_typed(tenant_a, agent_a, unit):
    response = client_for(agent_a).post(
        "/tickets/new/", intake(customer_phone="13800138000", subject="Typed", lookup="1")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{unit.pk}"' in page and 'value="Typed"' in page
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists()


def test_it_files_for_the_owner_when_the_agent_picks_a_unit_found_by_phone(
    tenant_a, agent_a, owner, unit, second_unit
):
    response = client_for(agent_a).post(
        "/tickets/new/", intake(customer_phone="138-0013-8000", unit=second_unit.pk)
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        ticket = Ticket.objects.get()
        assert (ticket.unit, ticket.customer) == (second_unit, owner)
        assert Customer.objects.count() == 1  # no duplicate made from the phone as typed


def test_it_files_by_a_serial_typed_for_the_customer_named(tenant_a, agent_a, owner, unit):
    response = client_for(agent_a).post(
        "/tickets/new/", intake(customer_email="han.meimei@example.cn", serial=" acm-ac-000123 ")
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        ticket = Ticket.objects.get()
        assert (ticket.unit, ticket.customer) == (unit, owner)


def test_it_names_a_serial_that_is_not_registered(tenant_a, agent_a, unit):
    response = client_for(agent_a).post(
        "/tickets/new/", intake(customer_email="x@example.cn", serial="ACM-AC-999")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "No unit with this serial number is registered." in page
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists() and not Customer.objects.filter(email="x@example.cn")


def test_it_refuses_a_serial_that_contradicts_the_unit_picked(tenant_a, agent_a, unit, second_unit):
    response = client_for(agent_a).post(
        "/tickets/new/", intake(serial="ACM-AC-000123", unit=second_unit.pk)
    )
    assert response.status_code == 400
    assert "is not the one of the unit picked (ACM-AC-000456)" in response.content.decode()
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists()


def test_it_keeps_a_unit_of_someone_else_and_tells_the_agent(tenant_a, agent_a, owner, unit):
    client = client_for(agent_a)
    response = client.post(
        "/tickets/new/",
        intake(customer_email="son@example.cn", customer_name="Han Xiao", unit=unit.pk),
        follow=True,
    )
    assert "Unit ACM-AC-000123 is registered to Li Lei" in response.content.decode()
    with scope(tenant=tenant_a):
        ticket = Ticket.objects.get()
        assert ticket.unit == unit and ticket.customer.email == "son@example.cn"


def test_it_refuses_another_tenants_unit_on_the_form(tenant_a, tenant_b, outsider, unit):
    response = client_for(outsider, HOST_B).post(
        "/tickets/new/", intake(customer_email="a@example.cn", unit=unit.pk)
    )
    assert response.status_code == 400 and 'id="id_unit_errors"' in response.content.decode()
    lookup = client_for(outsider, HOST_B).get("/tickets/new/units/", {"serial": unit.serial})
    assert "ACM-AC-000123" not in lookup.content.decode()
    with scope(tenant=tenant_b):
        assert not Ticket.objects.exists()


# --- inbound e-mail ---------------------------------------------------------------------------


def mail(subject: str, sender: str = "Han Meimei <han.meimei@example.cn>") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = sender, "support@acme.example"
    message["Subject"], message["Message-ID"] = subject, f"<{abs(hash(subject))}@example.cn>"
    message.set_content("It rattles.")
    return message


def test_it_reads_serial_candidates_from_a_subject_boundedly():
    assert serial_candidates("Noise from my AC, SN ACM-AC-000123") == ["ACM-AC-000123"]
    assert serial_candidates("[ACM-AC-000123] 空调噪音") == ["ACM-AC-000123"]
    assert len(serial_candidates(" ".join(f"X{n}YZ" for n in range(500)))) == 10
    assert serial_candidates("A" * 300 + "1") == []  # no word that long is a serial


@pytest.mark.parametrize(
    "subject", ["Noise from my AC, SN ACM-AC-000123", "[acm-ac-000123] 空调噪音很大"]
)
def test_it_links_the_unit_named_in_a_mails_subject(tenant_a, owner, unit, subject):
    with scope(tenant=tenant_a):
        inbound_email_process(tenant=tenant_a, mail=parse_inbound(mail(subject)))
        ticket = Ticket.objects.get()
        assert (ticket.unit, ticket.customer) == (unit, owner)


def test_it_prefers_the_senders_unit_when_several_serials_match(tenant_a, owner, product, unit):
    with scope(tenant=tenant_a):
        other = make_customer(tenant_a, email="wang.wu@example.cn")
        theirs = make_unit(tenant_a, customer=other, product=product, serial="WW-900")
        subject = "WW-900 and ACM-AC-000123 both noisy"
        inbound_email_process(tenant=tenant_a, mail=parse_inbound(mail(subject)))
        assert Ticket.objects.get().unit == unit
        inbound_email_process(
            tenant=tenant_a, mail=parse_inbound(mail(subject + ".", sender="wang.wu@example.cn"))
        )
        assert Ticket.objects.get(customer=other).unit == theirs


def test_it_opens_a_ticket_without_a_unit_for_an_unknown_or_foreign_serial(
    tenant_a, tenant_b, unit
):
    with scope(tenant=tenant_b):
        inbound_email_process(
            tenant=tenant_b, mail=parse_inbound(mail("Broken ACM-AC-000123, order 2026"))
        )
        ticket = Ticket.objects.get()
        assert ticket.unit is None and ticket.subject.startswith("Broken")


# --- API --------------------------------------------------------------------------------------


def test_it_takes_a_lower_case_spaced_serial_in_the_api(tenant_a, admin_a, owner, unit):
    response = post_json(
        token_client(admin_a), "/api/v1/tickets/", {"subject": "Noisy", "unit": " acm-ac- 000123 "}
    )
    assert response.status_code == 201
    assert response.json()["unit"]["serial"] == "ACM-AC-000123"
    assert response.json()["customer"]["id"] == owner.pk


def test_it_treats_another_tenants_serial_as_unknown_in_the_api(tenant_a, tenant_b, outsider, unit):
    response = post_json(
        token_client(outsider, host=HOST_B),
        "/api/v1/tickets/",
        {"subject": "x", "unit": "ACM-AC-000123"},
    )
    assert response.status_code == 400
    assert response.json()["unit"] == ["No unit with this id or serial number."]
    with scope(tenant=tenant_b):
        assert not Ticket.objects.exists()
