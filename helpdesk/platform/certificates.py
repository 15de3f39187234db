"""X.509 certificates that an admin pastes in (a SAML identity provider's signing certificate):
read them with ``cryptography`` and refuse what could never verify a signature."""

import base64
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def certificate_load(pem: str) -> x509.Certificate:
    """The one certificate in ``pem``; ``ValueError`` if it is not one PEM certificate."""
    text = pem.strip()
    if text.count("-----BEGIN CERTIFICATE-----") != 1:
        raise ValueError("expected exactly one PEM certificate")
    return x509.load_pem_x509_certificate(text.encode("ascii", errors="strict"))


def certificate_der_base64(pem: str) -> str:
    """The certificate as SAML metadata's ``<ds:X509Certificate>`` holds it."""
    der = certificate_load(pem).public_bytes(Encoding.DER)
    return base64.b64encode(der).decode("ascii")


def certificate_expires_at(pem: str) -> datetime:
    return certificate_load(pem).not_valid_after_utc


def validate_signing_certificate(pem: str) -> None:
    """A model field validator: one PEM certificate, parsable and not expired."""
    try:
        certificate = certificate_load(pem)
    except ValueError as error:
        raise ValidationError(_("This is not a PEM certificate."), code="invalid") from error
    if certificate.not_valid_after_utc <= datetime.now(UTC):
        raise ValidationError(_("This certificate has expired."), code="expired")
