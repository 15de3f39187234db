"""API rate limits: one request budget per tenant (``HELPDESK_API_RATE``) and, inside it, one
per API token (``HELPDESK_API_TOKEN_RATE``), counted in the shared cache; 429 + Retry-After.

DRF's ``SimpleRateThrottle`` keeps each client's request times as one list in the cache: every
request reads and rewrites the whole list (700 entries at the default rate, more at a higher
one), and two requests at once both read the list before either writes it back, so one of them
goes uncounted. Here each budget is one number, its "theoretical arrival time" (the generic
cell rate algorithm, GCRA): a rate of N per period lets N requests through at once and then one
every period / N, which is N per period however they are spread, and the time to wait for the
next one is exact. A refused request spends nothing.

With Redis as the cache (production) both budgets are checked and spent together in one
atomic script, one round trip; any other cache goes through Django's cache API, not atomically
(development, tests). When the cache cannot be reached the limits are not applied (and a
warning is logged): the API keeps answering, as the pages do (``helpdesk.platform.shared_cache``).
"""

import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)


class Budget:
    """One kind of budget: its scope names its rate in ``DEFAULT_THROTTLE_RATES``."""

    scope = ""
    THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    def ident(self, request) -> str | None:
        """Whose budget the request spends, or None when this budget does not apply."""
        raise NotImplementedError

    def rate(self) -> tuple[int, int] | None:
        """(requests, seconds), or None when no rate is set."""
        rate = self.THROTTLE_RATES.get(self.scope)
        return SimpleRateThrottle.parse_rate(None, rate) if rate else None


class TenantRateThrottle(Budget):
    """Shared by all of a tenant's tokens and sessions."""

    scope = "tenant"

    def ident(self, request) -> str | None:
        tenant = getattr(request._request, "tenant", None)
        return None if tenant is None else str(tenant.pk)


class TokenRateThrottle(Budget):
    """So that one busy integration cannot use up the whole tenant's budget. Browser sessions
    count against the tenant budget only."""

    scope = "token"

    def ident(self, request) -> str | None:
        token_id = getattr(request.auth, "pk", None)
        return None if token_id is None else str(token_id)


@dataclass(frozen=True)
class _Check:
    key: str
    interval: float  # seconds per request: period / limit
    period: int


# KEYS: the budgets' keys; ARGV: now, then interval and period per key. Returns "0" when every
# budget has room (each is then spent), else the seconds to wait, as text (a Lua number would
# be truncated to an integer).
GCRA_SCRIPT = """
local now = tonumber(ARGV[1])
local arrivals = {}
local wait = 0
for i = 1, #KEYS do
  local interval, period = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local tat = math.max(tonumber(redis.call('GET', KEYS[i]) or now), now) + interval
  wait = math.max(wait, tat - now - period)
  arrivals[i] = tat
end
if wait > 0 then return tostring(wait) end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], tostring(arrivals[i]), 'PX', math.ceil((arrivals[i] - now) * 1000))
end
return '0'
"""


class ApiRateThrottle(BaseThrottle):
    """Every budget of ``BUDGETS`` that applies to the request must have room for it."""

    BUDGETS = (TenantRateThrottle, TokenRateThrottle)

    def allow_request(self, request, view) -> bool:
        checks = []
        for budget in (kind() for kind in self.BUDGETS):
            ident, rate = budget.ident(request), budget.rate()
            if ident is not None and rate is not None:
                limit, period = rate
                key = f"api-rate:{budget.scope}:{ident}:{limit}/{period}"
                checks.append(_Check(key, period / limit, period))
        if not checks:
            return True
        try:
            self._wait = _spend(checks, time.time())
        except Exception:  # the cache's connection error: serve rather than fail every call
            logger.warning("shared cache unreachable; API rate limits not applied")
            return True
        return self._wait == 0

    def wait(self) -> int:
        return max(1, math.ceil(self._wait))


def _spend(checks: list[_Check], now: float) -> float:
    """Spend one request of every budget if all have room: 0; else the seconds to wait."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        keys = [backend.make_and_validate_key(check.key) for check in checks]
        client = backend._cache.get_client(keys[0], write=True)
        args = [repr(now)]
        for check in checks:
            args += [repr(check.interval), check.period]
        return float(client.register_script(GCRA_SCRIPT)(keys=keys, args=args))
    arrivals, wait = {}, 0.0
    for check in checks:
        arrival = max(backend.get(check.key) or now, now) + check.interval
        wait = max(wait, arrival - now - check.period)
        arrivals[check.key] = (arrival, check.period)
    if wait > 0:
        return wait
    for key, (arrival, _period) in arrivals.items():
        backend.set(key, arrival, timeout=math.ceil(arrival - now))
    return 0.0
