from tests.api.conftest import _fresh_throttle, agent_api_a, api_a  # noqa: F401 - fixtures
