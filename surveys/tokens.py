"""Survey link tokens: an HMAC of a random nonce; only the SHA-256 of the token is stored.

A copy of the database alone gives nobody a working link (the HMAC needs the secret key), yet
the link can be rebuilt for the reminder e-mail and the customer portal from the nonce.
"""

import hashlib
import re
import secrets

from django.utils.crypto import salted_hmac

TOKEN_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


def token_for(*, tenant_id: int, nonce: str) -> str:
    """64 hex characters (256 bits); bound to the tenant, so it means nothing on another host."""
    return salted_hmac("surveys.invitation", f"{tenant_id}:{nonce}", algorithm="sha256").hexdigest()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    return bool(TOKEN_PATTERN.match(value or ""))
