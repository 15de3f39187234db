"""Where the desk may connect on a tenant's behalf (webhook URLs, the IMAP host): only public
addresses, also when an IPv6 form carries an IPv4 address (NAT64, 6to4, IPv4-compatible,
IPv4-mapped, Teredo) that would reach loopback, a private network or the metadata service."""

import pytest
from django.core.exceptions import ValidationError

from helpdesk.webhooks import webhook_url_addresses

REFUSED = [
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b:1::a00:1",  # local-use NAT64 prefix
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:c0a8:1::1",  # 6to4 of 192.168.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "::127.0.0.1",  # IPv4-compatible
    "::10.1.2.3",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001:0:7f00:1::",  # Teredo with a loopback server
]
ALLOWED = [
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "2002:808:808::1",  # 6to4 of 8.8.8.8
    "2606:4700:4700::1111",
]


@pytest.mark.parametrize("address", REFUSED)
def test_it_refuses_an_ipv6_address_that_reaches_a_private_ipv4(settings, address):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as raised:
        webhook_url_addresses(f"https://[{address}]/hook")
    assert raised.value.message_dict == {
        "url": ["This URL reaches a private or reserved address; use a public one."]
    }


@pytest.mark.parametrize("address", ALLOWED)
def test_it_accepts_an_ipv6_address_that_reaches_a_public_ipv4(settings, address):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = False
    _parts, addresses = webhook_url_addresses(f"https://[{address}]/hook")
    assert addresses == [address]
