"""A tenant's IMAP mailbox: the host must be public (no loopback, private network or cloud
metadata service reached from the server), checked when saved and again when connecting, and
the user name and password cannot carry IMAP commands."""

import socket
import threading

import pytest
from django_scopes import scope

from customers.models import MailboxSettings
from tests.conftest import client_for
from tickets import inbound_mail

MAILBOX = {
    "address": "support@acme.example",
    "host": "imap.example.com",
    "port": 993,
    "username": "support",
    "password": "s3cret",
    "use_ssl": "on",
    "folder": "INBOX",
    "is_active": "on",
}


class LoopbackImap:
    """A minimal IMAP server on 127.0.0.1 that answers OK to everything and keeps each line."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.lines: list[bytes] = []
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _address = self.server.accept()
            except OSError:
                return
            self.connections += 1
            with conn, conn.makefile("rb") as reader:
                conn.sendall(b"* OK ready\r\n")
                for line in reader:
                    self.lines.append(line)
                    tag = line.split(b" ", 1)[0]
                    if b"CAPABILITY" in line:
                        conn.sendall(b"* CAPABILITY IMAP4rev1\r\n")
                    conn.sendall(tag + b" OK done\r\n")

    def close(self):
        self.server.close()


@pytest.fixture
def imap_server():
    server = LoopbackImap()
    yield server
    server.close()


def mailbox(tenant, **fields) -> MailboxSettings:
    values = {"host": "127.0.0.1", "username": "support", "password": "s3cret", "use_ssl": False}
    with scope(tenant=tenant):
        return MailboxSettings.objects.create(
            tenant=tenant, address="support@acme.example", **{**values, **fields}
        )


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "10.0.0.5", "169.254.169.254", "::1", "64:ff9b::7f00:1"]
)
def test_it_refuses_to_save_a_mailbox_host_that_is_not_public(tenant_a, admin_a, settings, host):
    settings.HELPDESK_MAILBOX_ALLOW_PRIVATE = False
    response = client_for(admin_a).post("/customers/mailbox/", {**MAILBOX, "host": host})
    assert response.status_code == 400
    assert "This host reaches a private or reserved address" in response.content.decode()
    with scope(tenant=tenant_a):
        assert not MailboxSettings.objects.exists()


@pytest.mark.parametrize("field", ["username", "password"])
@pytest.mark.parametrize("bad", ["a\r\nA1 DELETE INBOX", "a\nb", "a\rb", "a\x00b"])
def test_it_refuses_line_breaks_and_nul_in_the_mailbox_login(
    tenant_a, admin_a, settings, field, bad
):
    settings.HELPDESK_MAILBOX_ALLOW_PRIVATE = True
    data = {**MAILBOX, "host": "127.0.0.1", field: bad}
    response = client_for(admin_a).post("/customers/mailbox/", data)
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    with scope(tenant=tenant_a):
        assert not MailboxSettings.objects.exists()


def test_it_checks_the_host_again_before_connecting(tenant_a, settings, imap_server):
    """Saved while allowed (or public then, private now through DNS): no connection."""
    stored = mailbox(tenant_a, port=imap_server.port)
    settings.HELPDESK_MAILBOX_ALLOW_PRIVATE = False
    with pytest.raises(inbound_mail.MailboxRefused):
        inbound_mail.imap_connect(stored)
    assert imap_server.connections == 0


def test_it_connects_to_the_checked_address_and_quotes_the_login(tenant_a, settings, imap_server):
    settings.HELPDESK_MAILBOX_ALLOW_PRIVATE = True
    stored = mailbox(
        tenant_a, host="localhost", port=imap_server.port, username='sup "port"', password="p\\w"
    )
    client = inbound_mail.imap_connect(stored)
    client.logout()
    login = next(line for line in imap_server.lines if b" LOGIN " in line)
    assert login.split(b" ", 2)[2] == b'"sup \\"port\\"" "p\\\\w"\r\n'


def test_it_sends_no_command_hidden_in_a_stored_login(tenant_a, settings, imap_server):
    """A row written before the form refused line breaks."""
    settings.HELPDESK_MAILBOX_ALLOW_PRIVATE = True
    stored = mailbox(tenant_a, port=imap_server.port, username="u\r\nA1 DELETE INBOX")
    with pytest.raises(inbound_mail.MailboxRefused):
        inbound_mail.imap_connect(stored)
    assert not any(b"DELETE" in line for line in imap_server.lines)
