"""One live customer per e-mail address and tenant, enforced by the database: intake from a new
address run many times at once (portal, API, inbound mail) makes one customer; agents and
imports get a field error instead of a second one; merged duplicates and anonymised customers
stay out of it; and the migration folds the duplicates made before it."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django_scopes import scope

from customers.models import Customer, CustomerEvent
from customers.services import (
    CustomerEmailTaken,
    customer_create,
    customer_get_or_create,
    customer_merge,
    customer_update,
)
from tests.api.conftest import post_json, token_client
from tests.conftest import client_for
from tests.tickets.helpers import make_ticket
from tickets.inbound_mail import InboundMail, inbound_email_process
from tickets.intake import Requester, ticket_intake
from tickets.models import Channel, Ticket

THREADS = 8
NEW_ADDRESS = "zhang.san@example.test"


@pytest.fixture
def _scope_a(tenant_a):
    with scope(tenant=tenant_a):
        yield


# --- the constraint and the services in front of it -----------------------------------------


@pytest.mark.usefixtures("_scope_a")
def test_it_refuses_a_second_customer_with_the_same_address_in_any_case(tenant_a):
    customer_create(tenant=tenant_a, name="Zhang San", email=NEW_ADDRESS)
    with pytest.raises(CustomerEmailTaken) as refused:
        customer_create(tenant=tenant_a, name="Z. San", email=" Zhang.San@EXAMPLE.test ")
    assert "email" in refused.value.message_dict
    assert Customer.objects.count() == 1


@pytest.mark.usefixtures("_scope_a")
def test_it_keeps_the_callers_transaction_usable_when_the_insert_is_refused(tenant_a):
    first = customer_create(tenant=tenant_a, name="Zhang San", email=NEW_ADDRESS)
    with transaction.atomic():
        with pytest.raises(CustomerEmailTaken):
            customer_create(tenant=tenant_a, name="Zhang San", email=NEW_ADDRESS)
        # Without the savepoint PostgreSQL would refuse every further statement here.
        make_ticket(tenant_a, customer=first, subject="After the refused insert")
    assert list(Customer.objects.values_list("pk", flat=True)) == [first.pk]
    assert Ticket.objects.get().customer_id == first.pk


def test_it_allows_the_same_address_in_another_tenant(tenant_a, tenant_b):
    with scope(tenant=tenant_a):
        customer_create(tenant=tenant_a, name="Zhang San", email=NEW_ADDRESS)
    with scope(tenant=tenant_b):
        customer_create(tenant=tenant_b, name="Zhang San", email=NEW_ADDRESS)
        assert Customer.objects.filter(email=NEW_ADDRESS).count() == 1


@pytest.mark.usefixtures("_scope_a")
def test_it_allows_any_number_of_customers_without_an_address(tenant_a):
    for phone in ("13800000001", "13800000002", "13800000003"):
        customer_create(tenant=tenant_a, name="Caller", phone=phone)
    assert Customer.objects.filter(email="").count() == 3


@pytest.mark.usefixtures("_scope_a")
def test_it_lets_the_survivor_of_a_merge_take_the_duplicates_address(tenant_a, admin_a):
    keep = customer_create(tenant=tenant_a, name="Zhang San", phone="13800000001")
    duplicate = customer_create(tenant=tenant_a, name="Z. San", email=NEW_ADDRESS)
    customer_merge(keep=keep, duplicate=duplicate, actor=admin_a)
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert keep.email == duplicate.email == NEW_ADDRESS  # the duplicate keeps it: intake follows
    assert customer_get_or_create(tenant=tenant_a, email=NEW_ADDRESS) == keep
    with pytest.raises(CustomerEmailTaken):
        customer_create(tenant=tenant_a, name="Third", email=NEW_ADDRESS)


@pytest.mark.usefixtures("_scope_a")
def test_it_refuses_to_give_a_customer_another_customers_address(tenant_a, admin_a):
    customer_create(tenant=tenant_a, name="Zhang San", email=NEW_ADDRESS)
    other = customer_create(tenant=tenant_a, name="Li Si", email="li.si@example.test")
    fields = {"name": "Li Si", "phone": "", "organization": None, "tier": None, "tags": []}
    fields |= {"account_manager": None, "key_info": "", "notes": "", "language": ""}
    with pytest.raises(CustomerEmailTaken):
        customer_update(customer=other, actor=admin_a, email="ZHANG.SAN@example.test", **fields)
    other.refresh_from_db()
    assert other.email == "li.si@example.test"
    customer_update(customer=other, actor=admin_a, email="LI.SI@example.test", **fields)


@pytest.mark.usefixtures("_scope_a")
def test_it_refuses_an_address_taken_between_the_check_and_the_save(tenant_a, admin_a, monkeypatch):
    # Two agents at once: the other customer got the address after this edit's check ran.
    from customers import services

    customer_create(tenant=tenant_a, name="Zhang San", email=NEW_ADDRESS)
    other = customer_create(tenant=tenant_a, name="Li Si", email="li.si@example.test")
    real_check, calls = services._email_taken, []

    def stale_first_check(*args, **kwargs):
        calls.append(args)
        return False if len(calls) == 1 else real_check(*args, **kwargs)

    monkeypatch.setattr(services, "_email_taken", stale_first_check)
    fields = {"name": "Li Si", "phone": "", "organization": None, "tier": None, "tags": []}
    fields |= {"account_manager": None, "key_info": "", "notes": "", "language": ""}
    events_before = CustomerEvent.objects.count()
    with pytest.raises(CustomerEmailTaken):
        customer_update(customer=other, actor=admin_a, email=NEW_ADDRESS, **fields)
    assert Customer.objects.get(pk=other.pk).email == "li.si@example.test"
    assert CustomerEvent.objects.count() == events_before  # the whole edit rolled back
    assert len(calls) == 2  # refused by the constraint, then named by the second look


def test_it_answers_a_field_error_for_a_taken_address_on_the_page_and_in_the_api(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        customer_create(tenant=tenant_a, name="Zhang San", email=NEW_ADDRESS)
    page = client_for(admin_a).post("/customers/new/", {"name": "Z", "email": NEW_ADDRESS})
    assert page.status_code == 400
    assert "A customer with this e-mail address already exists." in page.content.decode()
    api = post_json(token_client(admin_a), "/api/v1/customers/", {"email": NEW_ADDRESS})
    assert api.status_code == 400 and "email" in api.json()
    with scope(tenant=tenant_a):
        assert Customer.objects.count() == 1


# --- intake from one new address, many times at once --------------------------------------------


def _portal(tenant, i: int) -> None:
    ticket_intake(
        tenant=tenant,
        requester=Requester(name="Zhang San", email=NEW_ADDRESS),
        subject=f"Washer {i} leaks",
        description="Water on the floor.",
        channel=Channel.WEB,
    )


def _inbound(tenant, i: int) -> None:
    mail = InboundMail(
        message_id=f"<m{i}@example.test>",
        sender_email=NEW_ADDRESS,
        sender_name="Zhang San",
        subject=f"Washer {i} leaks",
        body="Water on the floor.",
        token="",
        attachments=(),
        is_automatic=False,
    )
    assert inbound_email_process(tenant=tenant, mail=mail).outcome == "created"


def _api(client):
    def submit(tenant, i: int) -> None:
        payload = {"subject": f"Washer {i} leaks", "customer_email": NEW_ADDRESS}
        response = post_json(client, "/api/v1/tickets/", payload)
        assert response.status_code == 201, response.content

    return submit


def _waiting_for_the_customer_table() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted"
            " AND relation = 'customers_customer'::regclass"
        )
        return cursor.fetchone()[0]


def _hold_inserts_until_all_wait(threads: list[threading.Thread]) -> int:
    """Start the threads while no customer can be inserted, and let the inserts go only once
    every thread waits at its INSERT: so every one has looked the address up and found
    nothing, and all but one must take the fallback. Returns how many waited."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Blocks INSERTs only: the threads' lookups (SELECT) go through.
        cursor.execute("LOCK TABLE customers_customer IN SHARE ROW EXCLUSIVE MODE")
        for thread in threads:
            thread.start()
        waiting = 0
        for _poll in range(3000):  # a guard against a hang, not a time limit on the work
            waiting = _waiting_for_the_customer_table()
            if waiting == len(threads) or not any(t.is_alive() for t in threads):
                break
            time.sleep(0.01)
    return waiting


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("intake", ["portal", "inbound", "api"])
def test_it_makes_one_customer_when_one_new_address_arrives_eight_times_at_once(
    tenant_a, admin_a, intake
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL with concurrent connections; CI runs this on PostgreSQL")
    submit = {"portal": _portal, "inbound": _inbound, "api": _api(token_client(admin_a))}[intake]
    errors = []

    def run(i: int) -> None:
        try:
            with scope(tenant=tenant_a):
                submit(tenant_a, i)
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    waited = _hold_inserts_until_all_wait(threads)
    for thread in threads:
        thread.join()
    assert errors == []
    assert waited == THREADS
    with scope(tenant=tenant_a):
        (customer,) = Customer.objects.all()
        assert customer.email == NEW_ADDRESS
        assert Ticket.objects.filter(customer=customer).count() == THREADS
        assert CustomerEvent.objects.filter(action="created").count() == 1


# --- the migration ------------------------------------------------------------------------------

BEFORE = [("customers", "0005_customer_anonymised_at")]
AFTER = [("customers", "0006_customer_email_unique")]


@pytest.fixture
def before_the_constraint():
    """The database as it was before 0006; migrated back to the latest at the end."""
    MigrationExecutor(connection).migrate(BEFORE)
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _customer_before_the_constraint(tenant, email: str) -> Customer:
    """A customer row as 0005 knew it (today's model has columns added since), returned as
    today's model with only the columns the test reads."""
    old_apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    old = old_apps.get_model("customers", "Customer").objects.create(
        tenant_id=tenant.pk, name="Zhang San", email=email
    )
    return Customer.objects.only("pk", "tenant_id", "name", "email").get(pk=old.pk)


@pytest.mark.django_db(transaction=True)
def test_it_folds_customers_sharing_an_address_into_the_oldest_when_migrating(
    tenant_a, tenant_b, before_the_constraint
):
    with scope(tenant=tenant_a):
        oldest = _customer_before_the_constraint(tenant_a, NEW_ADDRESS)
        twin = _customer_before_the_constraint(tenant_a, "Zhang.San@example.test")
        first, second = make_ticket(tenant_a, customer=oldest), make_ticket(tenant_a, customer=twin)
    with scope(tenant=tenant_b):
        elsewhere = _customer_before_the_constraint(tenant_b, NEW_ADDRESS)

    MigrationExecutor(connection).migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # today's model, for the checks

    with scope(tenant=tenant_a):
        twin.refresh_from_db()
        assert twin.merged_into_id == oldest.pk
        tickets = Ticket.objects.filter(pk__in=[first.pk, second.pk])
        assert set(tickets.values_list("customer_id", flat=True)) == {oldest.pk}
        merged_in = CustomerEvent.objects.get(customer=oldest, action="merged_in")
        assert merged_in.data["customer"] == twin.pk and merged_in.data["tickets"] == 1
        assert CustomerEvent.objects.filter(customer=twin, action="merged_into").exists()
        with pytest.raises(CustomerEmailTaken):
            customer_create(tenant=tenant_a, name="Third", email=NEW_ADDRESS)
    with scope(tenant=tenant_b):
        elsewhere.refresh_from_db()
        assert elsewhere.merged_into_id is None
