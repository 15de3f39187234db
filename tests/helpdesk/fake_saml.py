"""A SAML 2.0 identity provider for tests: pysaml2's own IdP side (``saml2.server.Server``)
with an RSA key and a self-signed certificate made here, answering the AuthnRequests the
service desk sends with real signed responses. Nothing on the service provider's side is
replaced: the responses go through the ACS as an IdP's page would post them."""

import base64
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, saml
from saml2.config import IdPConfig
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.time_util import TIME_FORMAT

IDP_ENTITY_ID = "https://idp.acme.test/saml/metadata"
IDP_SSO_URL = "https://idp.acme.test/saml/sso"


def key_and_certificate(
    common_name: str, *, valid_days: int = 30, expired: bool = False
) -> tuple[str, str]:
    """A new RSA key and a self-signed certificate for it, both PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    start = now - timedelta(days=valid_days + 2) if expired else now - timedelta(days=1)
    end = now - timedelta(days=1) if expired else now + timedelta(days=valid_days)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode()


class FakeIdp:
    """One IdP entity. ``rekeyed`` gives the same entity signing with another key, as a forger
    who knows the entity ID but not the key would."""

    def __init__(self, directory: Path, entity_id: str = IDP_ENTITY_ID, name: str = "idp"):
        self.directory = directory
        self.entity_id = entity_id
        self.name = name
        self.key_pem, self.certificate_pem = key_and_certificate(name)
        self.service_providers: list[str] = []  # SP metadata documents the IdP knows

    def rekeyed(self) -> "FakeIdp":
        other = FakeIdp(self.directory, self.entity_id, name=f"{self.name}-forged")
        other.service_providers = self.service_providers
        return other

    def trust(self, sp_metadata: str) -> None:
        self.service_providers.append(sp_metadata)

    def request_id_of(self, redirect_url: str) -> str:
        """Read the AuthnRequest that the service desk's redirect carries, as the IdP would."""
        query = parse_qs(urlsplit(redirect_url).query)
        request = self._server().parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        return request.message.id

    def response(
        self,
        *,
        in_response_to: str,
        email: str,
        audience: str,
        acs_url: str,
        attributes: dict[str, list[str]] | None = None,
        lifetime_minutes: int = 5,
        issued_minutes_ago: int = 0,
        sign_response: bool = False,
        sign_assertion: bool = True,
    ) -> str:
        """A SAMLResponse, base64 as the HTTP-POST binding carries it."""
        identity = {"mail": [email], "displayName": ["Single Sign-On Person"]}
        if attributes is not None:
            identity = attributes
        with _idp_clock_behind(minutes=issued_minutes_ago):
            response = self._server(lifetime_minutes).create_authn_response(
                identity,
                in_response_to,
                acs_url,
                audience,
                name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
                authn={"class_ref": saml.AUTHN_PASSWORD_PROTECTED},
                sign_response=sign_response,
                sign_assertion=sign_assertion,
            )
        return base64.b64encode(str(response).encode()).decode()

    def _server(self, lifetime_minutes: int = 5) -> Server:
        key_file = self.directory / f"{self.name}.key"
        cert_file = self.directory / f"{self.name}.crt"
        key_file.write_text(self.key_pem)
        cert_file.write_text(self.certificate_pem)
        policy = {
            "lifetime": {"minutes": lifetime_minutes},
            "attribute_restrictions": None,
            "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
        }
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": shutil.which("xmlsec1"),
                "key_file": str(key_file),
                "cert_file": str(cert_file),
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [
                                (IDP_SSO_URL, BINDING_HTTP_REDIRECT),
                                (IDP_SSO_URL, BINDING_HTTP_POST),
                            ]
                        },
                        "policy": {"default": policy},
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    }
                },
                "metadata": {"inline": self.service_providers},
            }
        )
        return Server(config=config)


@contextmanager
def _idp_clock_behind(*, minutes: int) -> Iterator[None]:
    """The IdP's clock (and only the IdP's, while it writes a response) set back: the times it
    writes, IssueInstant, NotBefore and NotOnOrAfter, are all that many minutes in the past.
    The service desk checks them against the real clock."""
    shift = timedelta(minutes=-minutes)

    def instant(format=TIME_FORMAT, time_stamp=0):
        return (datetime.now(UTC) + shift).strftime(format or TIME_FORMAT)

    def in_a_while(format=TIME_FORMAT, **delta):
        return (datetime.now(UTC) + shift + timedelta(**delta)).strftime(format or TIME_FORMAT)

    with (
        patch("saml2.assertion.instant", instant),
        patch("saml2.assertion.in_a_while", in_a_while),
        patch("saml2.entity.instant", instant),
    ):
        yield
