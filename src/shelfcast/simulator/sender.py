"""One batch to ``POST /api/transactions/``, retried until the server takes it.

A batch is re-sent unchanged (same transaction ids) when the server cannot be reached or
answers 5xx/429: if it had stored the lines before the answer was lost, it counts them as
``duplicate``, so a line is never applied twice. The wait between tries doubles from
``BASE_DELAY_S`` up to ``MAX_DELAY_S``, with full jitter so that many tills restarting
together do not knock in step; after ``retry_for`` seconds without success it gives up.
Any other 4xx is the caller's mistake (a bad token, a malformed batch): it stops at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from shelfcast.errors import ShelfcastError

__all__ = ["Sender", "SimulatorError", "BASE_DELAY_S", "MAX_DELAY_S"]

BASE_DELAY_S = 0.25
MAX_DELAY_S = 5.0
PATH = "/api/transactions/"
logger = logging.getLogger("shelfcast.simulator")


class SimulatorError(ShelfcastError):
    code = "simulator_error"


def backoff_delay(attempt: int, *, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    return rng.uniform(0.0, min(MAX_DELAY_S, BASE_DELAY_S * 2**attempt))


@dataclass
class Sender:
    api_url: str
    token: str
    retry_for: float = 120.0
    timeout: float = 30.0
    on_retry: Callable[[str], None] = lambda _reason: None
    rng: random.Random = field(default_factory=random.Random)
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    def __enter__(self) -> Sender:
        self._client = httpx.Client(
            base_url=self.api_url.rstrip("/"), timeout=self.timeout,
            headers={"Authorization": f"Token {self.token}"})
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._client is not None:
            self._client.close()

    def send(self, batch: list[dict[str, Any]]) -> dict[str, Any]:
        """The server's answer to the batch (``accepted``, ``duplicate``, ``rejected``)."""
        deadline = time.monotonic() + self.retry_for
        attempt = 0
        while True:
            outcome = self._try(batch)
            if outcome.answer is not None:
                return outcome.answer
            if time.monotonic() >= deadline:
                raise SimulatorError(
                    f"the API at {self.api_url} did not take the batch for "
                    f"{self.retry_for:g} s (last: {outcome.reason}); is `shelfcast serve` "
                    "running there? (--api URL or SHELFCAST_API_URL)",
                    details={"api": self.api_url, "last_error": outcome.reason})
            self.on_retry(outcome.reason)
            delay = outcome.retry_after
            if delay is None:
                delay = backoff_delay(attempt, rng=self.rng)
            logger.warning("the API did not take a batch of %d lines (%s); the same batch "
                           "again in %.2f s", len(batch), outcome.reason, delay,
                           extra={"reason": outcome.reason, "attempt": attempt + 1,
                                  "first_transaction_id": batch[0].get("transaction_id")
                                  if batch else None})
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            attempt += 1

    def _try(self, batch: list[dict[str, Any]]) -> _Attempt:
        assert self._client is not None, "use Sender as a context manager"
        try:
            response = self._client.post(PATH, json={"transactions": batch})
        except httpx.TransportError as exc:
            return _Attempt(reason=f"{type(exc).__name__}: {exc}")
        if response.status_code == 200:
            return _Attempt(answer=response.json())
        if response.status_code == 429 or response.status_code >= 500:
            return _Attempt(reason=f"HTTP {response.status_code}",
                            retry_after=_retry_after(response))
        raise SimulatorError(_refusal(self.api_url, response),
                             details={"status": response.status_code, "body": response.text[:500]})


@dataclass(frozen=True)
class _Attempt:
    """One try: the answer, or why to try again (and how long the server asked to wait)."""

    answer: dict[str, Any] | None = None
    reason: str = ""
    retry_after: float | None = None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(MAX_DELAY_S * 4, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _refusal(api_url: str, response: httpx.Response) -> str:
    """A 4xx said for a person: the API's own message, and what to do about the usual ones."""
    try:
        body = response.json()
        said = f"{body.get('error')}: {body.get('message')}"
    except ValueError:
        said = response.text[:200]
    status = response.status_code
    hint = {
        401: "give a valid token (--token or SHELFCAST_TOKEN; `shelfcast token create "
             "--role till --name NAME` makes one)",
        403: "the token's role may not post transactions: use a till (or admin) token",
        404: f"{api_url} has no {PATH}: is --api the shelfcast API's address?",
    }.get(status, "")
    return f"the API refused the batch (HTTP {status}, {said})" + (f"; {hint}" if hint else "")
