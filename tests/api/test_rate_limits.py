"""The API budgets' arithmetic (GCRA), on Redis as in production and on Django's other caches:
N requests at once, then one every period / N; the exact wait; refusals spend nothing; on Redis
concurrent requests never overspend."""

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches

from helpdesk.platform.throttling import _Check, _spend
from tests.api.conftest import token_client

REDIS_URL = "redis://127.0.0.1:6379/14"


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture(params=["redis", "locmem"])
def backend(request, settings):
    if request.param == "redis":
        if not redis_reachable():
            pytest.skip("needs Redis on 127.0.0.1:6379")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
            }
        }
    caches["default"].clear()
    yield request.param
    caches["default"].clear()


def budget(key="api-rate:test", limit=3, period=60) -> _Check:
    return _Check(key, period / limit, period)


def test_a_burst_of_the_limit_then_one_per_interval(backend):
    check = budget(limit=3, period=60)
    assert [_spend([check], 1000.0) for _ in range(3)] == [0, 0, 0]
    assert _spend([check], 1000.0) == pytest.approx(20.0)  # the exact wait
    assert _spend([check], 1010.0) == pytest.approx(10.0)  # refusals spent nothing
    assert _spend([check], 1020.0) == 0
    assert _spend([check], 1020.0) == pytest.approx(20.0)


def test_a_full_budget_refuses_without_spending_the_other(backend):
    tenant, token = budget("api-rate:tenant", 2), budget("api-rate:token", 10)
    assert _spend([tenant, token], 0.0) == 0 and _spend([tenant, token], 0.0) == 0
    assert _spend([tenant, token], 0.0) > 0
    # The token budget was spent twice, not three times: 8 more fit at once.
    assert [_spend([token], 0.0) for _ in range(9)] == [0] * 8 + [pytest.approx(6.0)]


def test_concurrent_requests_never_overspend_on_redis(backend):
    if backend != "redis":
        pytest.skip("only the Redis script is atomic")
    check = budget(limit=10, period=3600)
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: _spend([check], 5000.0), range(60)))
    assert sum(result == 0 for result in results) == 10


def test_the_api_answers_when_the_cache_is_unreachable(settings, admin_a, caplog):
    # Nothing listens on port 1: every cache call fails as with a stopped Redis.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = token_client(admin_a).get("/api/v1/ping/")
    # A working cache again for this package's fixture, which empties it after each test.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert response.status_code == 200
    assert "API rate limits not applied" in caplog.text
