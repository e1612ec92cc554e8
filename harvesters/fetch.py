"""GET with bounded retries: 503/429 with Retry-After, other 5xx, timeouts, resets.

The ``httpx.Client`` is injected (tests replay faults through ``httpx.MockTransport``),
and so is ``sleep``, so backoff is testable without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class FetchError(Exception):
    """The request failed after every retry; the message says how."""


@dataclass
class RetryPolicy:
    attempts: int = 5
    backoff: float = 1.0  # first wait; doubles each time
    max_wait: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep)
    retries: int = 0  # how many retries were needed so far (for the run record)

    def wait(self, attempt: int, retry_after: float | None) -> None:
        self.retries += 1
        delay = retry_after if retry_after is not None else self.backoff * 2 ** attempt
        self.sleep(min(max(delay, 0.0), self.max_wait))


def get(client: httpx.Client, url: str, params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        policy: RetryPolicy | None = None) -> httpx.Response:
    """The first non-retryable response (any status), or FetchError."""
    policy = policy or RetryPolicy()
    problem = ""
    for attempt in range(policy.attempts):
        try:
            response = client.get(url, params=params, headers=headers)
        except (httpx.TimeoutException, httpx.TransportError) as error:
            problem = f"{type(error).__name__}: {error}"
            retry_after = None
        else:
            if response.status_code not in RETRY_STATUS:
                return response
            problem = f"HTTP {response.status_code}"
            retry_after = retry_after_seconds(response.headers.get("retry-after"))
        if attempt + 1 < policy.attempts:
            policy.wait(attempt, retry_after)
    raise FetchError(f"{url}: gave up after {policy.attempts} attempts ({problem})")


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
