"""Agent pages of customers: list, profile with events, edit, merge, CSV import, settings."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope

from customers import services
from customers.defaults import seed_tiers
from customers.models import Customer, MailboxSettings, Organization, PortalNotice
from customers.selectors import customer_find_for_intake
from helpdesk.models import ConfigurationEvent
from tests.conftest import client_for
from tests.tickets.helpers import make_customer, make_ticket
from tickets.models import Ticket


@pytest.fixture
def tiers(tenant_a):
    with scope(tenant=tenant_a):
        return seed_tiers(tenant_a)


def edit_data(customer, **overrides):
    data = {
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "organization": customer.organization_id or "",
        "tier": customer.tier_id or "",
        "tags": "",
        "account_manager": "",
        "key_info": customer.key_info,
        "notes": customer.notes,
        "language": customer.language,
    }
    return {**data, **overrides}


def test_it_lists_customers_with_search_and_effective_tier_filter(
    tenant_a, agent_a, tiers, django_assert_max_num_queries
):
    with scope(tenant=tenant_a):
        vip_org = Organization.objects.create(
            tenant=tenant_a, name="Big Buyer Ltd", tier=tiers["vip"]
        )
        Customer.objects.create(
            tenant=tenant_a, name="Own VIP", email="own@x.cn", tier=tiers["vip"]
        )
        Customer.objects.create(
            tenant=tenant_a, name="Via org", email="org@x.cn", organization=vip_org
        )
        Customer.objects.create(
            tenant=tenant_a, name="Regular Joe", email="joe@x.cn", tier=tiers["regular"]
        )
    client = client_for(agent_a)
    page = client.get("/customers/", {"tier": tiers["vip"].pk}).content.decode()
    assert "Own VIP" in page and "Via org" in page and "Regular Joe" not in page
    page = client.get("/customers/", {"q": "big buyer"}).content.decode()
    assert "Via org" in page and "Own VIP" not in page
    with django_assert_max_num_queries(12):
        assert client.get("/customers/").status_code == 200


def test_it_records_a_tier_change_and_shows_it_on_the_profile(tenant_a, agent_a, tiers):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
        customer.tier = tiers["regular"]
        customer.save(update_fields=["tier"])
        make_ticket(tenant_a, customer=customer, subject="Oven clock wrong")
    client = client_for(agent_a)
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        edit_data(customer, tier=tiers["vip"].pk, tags="price-sensitive, 老客户"),
    )
    assert response.status_code == 302
    profile = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "changed the tier" in profile
    assert "Regular 常规 → VIP" in profile
    assert "Oven clock wrong" in profile and "price-sensitive" in profile
    with scope(tenant=tenant_a):
        event = customer.events.get(action="tier_changed")
        assert event.actor == agent_a and event.old_value == "Regular 常规"


def test_it_moves_open_tickets_to_the_new_tiers_sla(tenant_a, agent_a, tiers):
    with scope(tenant=tenant_a):
        from sla.defaults import seed_sla_defaults

        seed_sla_defaults(tenant_a)
        customer = make_customer(tenant_a)
        ticket = make_ticket(tenant_a, customer=customer)
        before = ticket.sla.policy
        services.customer_change_tier(customer=customer, actor=agent_a, tier=tiers["vip"])
        ticket.sla.refresh_from_db()
        assert ticket.sla.policy != before
        assert tiers["vip"] in ticket.sla.policy.tiers.all()


def test_it_creates_a_customer_with_an_event(tenant_a, agent_a):
    response = client_for(agent_a).post(
        "/customers/new/",
        {
            "name": "Zhou Xun",
            "email": "ZHOU@example.cn",
            "tags": "vip-event",
            "language": "zh-hans",
        },
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        customer = Customer.objects.get()
        assert customer.email == "zhou@example.cn"
        assert list(customer.events.values_list("action", flat=True)) == ["created"]


def test_it_shows_field_errors_on_a_bad_edit(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
    response = client_for(agent_a).post(
        f"/customers/{customer.pk}/edit/", edit_data(customer, email="nope")
    )
    assert response.status_code == 400 and "errorlist" in response.content.decode()


def test_it_merges_a_duplicate_moving_its_tickets(tenant_a, admin_a, tiers):
    with scope(tenant=tenant_a):
        keep = make_customer(tenant_a, email="li.lei@work.cn")
        duplicate = make_customer(tenant_a, email="lilei@home.cn")
        duplicate.phone, duplicate.tier = "13900000000", tiers["important"]
        duplicate.save(update_fields=["phone", "tier"])
        ticket = make_ticket(tenant_a, customer=duplicate)
    response = client_for(admin_a).post(
        f"/customers/{keep.pk}/merge/", {"duplicate": "LILEI@home.cn"}
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        keep.refresh_from_db()
        duplicate.refresh_from_db()
        assert Ticket.objects.get(pk=ticket.pk).customer == keep
        assert duplicate.merged_into == keep
        assert keep.phone == "13900000000" and keep.tier == tiers["important"]
        assert keep.events.filter(action="merged_in").exists()
        assert duplicate.events.filter(action="merged_into").exists()
        assert customer_find_for_intake(email="lilei@home.cn") == keep
    listing = client_for(admin_a).get("/customers/").content.decode()
    assert "lilei@home.cn" not in listing


def test_it_refuses_to_merge_a_customer_into_itself(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
    response = client_for(admin_a).post(
        f"/customers/{customer.pk}/merge/", {"duplicate": str(customer.pk)}
    )
    assert response.status_code == 400 and "errorlist" in response.content.decode()


def test_it_keeps_merging_and_importing_to_senior_roles(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
    client = client_for(agent_a)
    assert client.get(f"/customers/{customer.pk}/merge/").status_code == 404
    assert client.get("/customers/import/").status_code == 404


def csv_file(text: str, encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile("customers.csv", text.encode(encoding), content_type="text/csv")


def test_it_imports_nothing_when_a_row_is_wrong_and_says_which(tenant_a, admin_a, tiers):
    with scope(tenant=tenant_a):
        make_customer(tenant_a, email="taken@example.cn")
    text = (
        "name,email,tier,organization\n"
        "Good One,good@example.cn,vip,Acme Retail\n"
        ",,,\n"
        "Bad Mail,not-an-email,,\n"
        "Taken,taken@example.cn,,\n"
        "Odd Tier,odd@example.cn,gold,\n"
    )
    response = client_for(admin_a).post("/customers/import/", {"file": csv_file(text)})
    page = response.content.decode()
    assert response.status_code == 400 and "Nothing was imported" in page
    for line, problem in [
        (3, "A name or an e-mail address is required."),
        (4, "is not an e-mail address"),
        (5, "already exists"),
        (6, "Unknown tier"),
    ]:
        assert f"<td>{line}</td>" in page and problem in page
    assert "<td>2</td>" not in page
    with scope(tenant=tenant_a):
        assert Customer.objects.count() == 1 and not Organization.objects.exists()


def test_it_imports_every_row_of_a_good_file(tenant_a, admin_a, tiers):
    text = (
        "Name,Email,Phone,Organization,Tier,Tags,Key_info\n"
        "王伟,wang@example.cn,13800000001,华联商场,重要,price-sensitive;老客户,Complained before\n"
        "Anna,anna@example.cn,,华联商场,,,\n"
    )
    response = client_for(admin_a).post("/customers/import/", {"file": csv_file(text, "gb18030")})
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        wang = Customer.objects.get(email="wang@example.cn")
        assert wang.tier == tiers["important"] and wang.organization.name == "华联商场"
        assert sorted(wang.tags.values_list("name", flat=True)) == ["price-sensitive", "老客户"]
        assert Organization.objects.count() == 1
        assert wang.events.filter(action="imported").exists()


MALFORMED_FILES = [
    pytest.param(
        b"name,email,phone\nOne,one@example.cn\nTwo,two@example.cn,138,extra\n",
        ["<td>2</td>", "fewer values than the header", "<td>3</td>", "more values than the header"],
        id="wrong-column-count",
    ),
    pytest.param(
        b"name,email\nDup,dup@example.cn\nDup again,DUP@example.cn\n",
        ["<td>3</td>", "This e-mail address appears twice in the file."],
        id="duplicate-emails",
    ),
    pytest.param(
        b"name,email\n\xff\xfe\xfa\xff,bad@example.cn\n",
        ["The file is not UTF-8 or GB18030 text."],
        id="bad-encoding",
    ),
    pytest.param(b"\r\n", ["The first row must name the columns"], id="blank"),
    pytest.param(b"name,email\n", ["The file has no customer rows."], id="header-only"),
    pytest.param(
        b"name,email\nNul\x00Byte,nul@example.cn\n",
        ["The file contains NUL characters, so it is not CSV text."],
        id="nul",
    ),
    pytest.param(
        b'name,email,notes\nLong,long@example.cn,"' + b"x" * 200_000 + b'"\n',
        ["Row 2 could not be read: a value is too long"],
        id="field-beyond-csv-limit",
    ),
    pytest.param(
        b"name,email\n" + b"Bulk,bulk@example.cn\n" * 500_000,
        ["The file is larger than 5.0\xa0MB; split it into several files."],
        id="10-MB",
    ),
]


@pytest.mark.parametrize(("content", "messages"), MALFORMED_FILES)
def test_it_explains_a_malformed_file_and_imports_none_of_it(tenant_a, admin_a, content, messages):
    upload = SimpleUploadedFile("customers.csv", content, content_type="text/csv")
    response = client_for(admin_a).post("/customers/import/", {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    for text in messages:
        assert text in page, text
    with scope(tenant=tenant_a):
        assert not Customer.objects.exists() and not Organization.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_it_imports_a_file_with_a_bom_or_in_gbk_and_keeps_formulas_as_text(
    tenant_a, admin_a, encoding
):
    text = 'name,email,notes\n"=HYPERLINK(""http://evil.test"",""x"")",wang@example.cn,老客户\n'
    response = client_for(admin_a).post("/customers/import/", {"file": csv_file(text, encoding)})
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        customer = Customer.objects.get()
    assert customer.name == '=HYPERLINK("http://evil.test","x")'  # stored as typed
    assert customer.notes == "老客户"
    page = client_for(admin_a).get(f"/customers/{customer.pk}/").content.decode()
    assert "=HYPERLINK(&quot;http://evil.test&quot;,&quot;x&quot;)" in page


def test_it_creates_organizations_whose_tier_applies_to_their_customers(tenant_a, agent_a, tiers):
    client = client_for(agent_a)
    response = client.post(
        "/customers/organizations/", {"name": "Big Buyer", "tier": tiers["vip"].pk}
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        organization = Organization.objects.get()
        customer = make_customer(tenant_a)
        customer.organization = organization
        assert customer.effective_tier == tiers["vip"]


def test_it_lets_an_admin_edit_the_portal_notices(tenant_a, admin_a, agent_a):
    client = client_for(admin_a)
    response = client.post(
        "/customers/portal-notices/", {"text": "Hotline closed", "is_active": "on"}
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        notice = PortalNotice.objects.get()
    assert "Hotline closed" in client_for().get("/support/").content.decode()
    client.post(f"/customers/portal-notices/{notice.pk}/", {"text": "Hotline closed"})
    assert "Hotline closed" not in client_for().get("/support/").content.decode()
    assert client_for(agent_a).get("/customers/portal-notices/").status_code == 404


def test_it_stores_the_mailbox_and_keeps_the_password_when_left_empty(tenant_a, admin_a, settings):
    settings.HELPDESK_MAILBOX_ALLOW_PRIVATE = True  # the host is this machine
    client = client_for(admin_a)
    data = {
        "address": "support@acme.example",
        "host": "localhost",
        "port": 993,
        "username": "support",
        "password": "s3cret",
        "use_ssl": "on",
        "folder": "INBOX",
        "is_active": "on",
    }
    assert client.post("/customers/mailbox/", data).status_code == 302
    assert "s3cret" not in client.get("/customers/mailbox/").content.decode()
    assert (
        client.post("/customers/mailbox/", {**data, "password": "", "port": 143}).status_code == 302
    )
    with scope(tenant=tenant_a):
        mailbox = MailboxSettings.objects.get()
        assert mailbox.password == "s3cret" and mailbox.port == 143


def test_it_audits_the_mailbox_and_portal_notices_without_the_password(tenant_a, admin_a, settings):
    settings.HELPDESK_MAILBOX_ALLOW_PRIVATE = True  # the host is this machine
    client = client_for(admin_a)
    data = {
        "address": "support@acme.example",
        "host": "localhost",
        "port": 993,
        "username": "support",
        "password": "s3cret",
        "use_ssl": "on",
        "folder": "INBOX",
        "is_active": "on",
    }
    client.post("/customers/mailbox/", data)
    client.post("/customers/mailbox/", {**data, "password": "n3w-s3cret", "port": 143})
    client.post("/customers/portal-notices/", {"text": "Hotline closed", "is_active": "on"})
    with scope(tenant=tenant_a):
        rows = list(ConfigurationEvent.objects.order_by("pk"))
    mailbox = [
        (row.action, row.field) for row in rows if row.target_type == "customers.mailboxsettings"
    ]
    assert mailbox == [("created", ""), ("changed", "password"), ("changed", "port")]
    notices = [row for row in rows if row.target_type == "customers.portalnotice"]
    assert [row.action for row in notices] == ["created"] and notices[0].actor == admin_a
    stored = " ".join(f"{row.old_value} {row.new_value} {row.data}" for row in rows)
    assert "s3cret" not in stored
