"""A small OpenID Connect issuer for tests: a real HTTP server on 127.0.0.1 with a discovery
document, a JWKS, an authorization endpoint that redirects with a code, and a token endpoint
that checks the client, the redirect URI and the PKCE verifier and returns an RS256 ID token
signed with a key generated here."""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeIssuer:
    def __init__(self):
        self.key = new_key()
        self.signing_key = self.key  # a test may sign with a key the JWKS does not publish
        self.kid = "test-key-1"
        self.clients: dict[str, str] = {}
        self.codes: dict[str, dict] = {}
        self.email = "someone@acme.test"
        self.audience_override: str | None = None
        self.nonce_override: str | None = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeIssuer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def register(self, client_id: str, secret: str) -> None:
        self.clients[client_id] = secret

    def discovery(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def authorize(self, query: dict) -> str:
        """Approve at once (the person 'signed in' at the provider); return the redirect."""
        if query["client_id"] not in self.clients or query["code_challenge_method"] != "S256":
            raise ValueError("bad authorization request")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**query, "email": self.email}
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict, authorization: str) -> tuple[int, dict]:
        # client_secret_basic: Base64 of the form-encoded id and secret (RFC 6749, 2.3.1).
        pair = base64.b64decode(authorization.split()[1]).decode()
        client_id, _, secret = (unquote_plus(part) for part in pair.partition(":"))
        grant = self.codes.pop(form.get("code", ""), None)
        if self.clients.get(client_id) != secret or grant is None:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if challenge.rstrip(b"=").decode() != grant["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        if grant["client_id"] != client_id or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        return 200, {"id_token": self.id_token(grant), "token_type": "Bearer", "access_token": "x"}

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": self.audience_override or grant["client_id"],
            "sub": "sub-" + grant["email"],
            "email": grant["email"],
            "email_verified": True,
            "name": "Single Sign-On Person",
            "nonce": self.nonce_override or grant["nonce"],
            "iat": now,
            "exp": now + 300,
        }
        return jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": self.kid})


def _handler(issuer: FakeIssuer):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/.well-known/openid-configuration":
                self._json(200, issuer.discovery())
            elif parts.path == "/jwks":
                self._json(200, issuer.jwks())
            elif parts.path == "/authorize":
                self.send_response(302)
                self.send_header("Location", issuer.authorize(query))
                self.end_headers()
            else:
                self._json(404, {})

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            if self.path == "/token":
                self._json(*issuer.token(form, self.headers.get("Authorization", "")))
            else:
                self._json(404, {})

        def _json(self, status: int, data: dict) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:  # keep the test output quiet
            pass

    return Handler
