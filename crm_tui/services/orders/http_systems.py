"""The external systems over HTTP (httpx): billing (CBS), provisioning, inventory and notifications,
each at its own base URL (`CRM_CBS_URL`, `CRM_PROVISIONING_URL`, `CRM_INVENTORY_URL`,
`CRM_NOTIFY_URL`); a system with no URL uses the in-process simulator (tests, trying things out).

One request per order step: `POST {base}/{system}/{operation}` with the step's idempotency key in
the `Idempotency-Key` header and its payload as JSON. Inside one step, a timeout, a dropped
connection or a 5xx is retried (at most `CRM_EXTERNAL_RETRIES` more times, exponential backoff with
jitter) with the same key: an "unknown outcome" (sent, no answer) is safe to repeat, the system
applies a key once. A 4xx, or retries run out, is an ExternalFailure: the engine marks the step
failed and queues the order for a supervisor.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from crm_tui.i18n import _
from crm_tui.services.context import ExternalFailure, ExternalSystems


class HttpExternalSystems:
    """Routes each system to its URL, or to `fallback` (the in-process simulator) when it has none."""

    def __init__(
        self,
        urls: Mapping[str, str],
        fallback: ExternalSystems,
        *,
        timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.urls = {system: url.rstrip("/") for system, url in urls.items() if url}
        self.fallback = fallback
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)))

    def send(
        self, system: str, operation: str, *, idempotency_key: str, payload: dict[str, Any], attempt: int
    ) -> dict[str, Any]:
        base = self.urls.get(system)
        if base is None:
            return self.fallback.send(
                system, operation, idempotency_key=idempotency_key, payload=payload, attempt=attempt
            )
        url = f"{base}/{system}/{operation}"
        problem = ""
        started = time.monotonic()
        for tries in range(self.retries + 1):
            if tries:
                self.sleep(self.backoff * (2 ** (tries - 1)) * (0.5 + random.random()))  # noqa: S311 - jitter, not a secret
            try:
                response = self.client.post(url, json=payload, headers={"Idempotency-Key": idempotency_key})
            except httpx.TimeoutException:
                problem = _("no answer in time (the request may have been applied; retried with the same key)")
                continue
            except httpx.TransportError as error:
                problem = _("cannot reach {base} ({error})").format(base=base, error=type(error).__name__)
                continue
            if response.status_code < 300:
                return _json(response) | {
                    "attempts": tries + 1,
                    "http_status": response.status_code,
                    "elapsed_ms": round((time.monotonic() - started) * 1000),
                }
            if response.status_code < 500:
                raise ExternalFailure(
                    system,
                    operation,
                    _("refused: HTTP {status} {reason}").format(status=response.status_code, reason=_reason(response)),
                )
            problem = f"HTTP {response.status_code} {_reason(response)}"
        raise ExternalFailure(
            system,
            operation,
            _("{problem}; gave up after {tries} tries").format(problem=problem, tries=self.retries + 1),
        )

    def close(self) -> None:
        self.client.close()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _reason(response: httpx.Response) -> str:
    return str(_json(response).get("error") or response.reason_phrase or "").strip()[:200]
