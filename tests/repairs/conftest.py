"""The API fixtures (token clients, a fresh throttle) for the parts API tests."""

from tests.api.conftest import _fresh_throttle, agent_api_a, api_a  # noqa: F401 - fixtures
