"""The simulator's HTTP face (Starlette): one endpoint per system and operation, the idempotency key in
a header, and a small admin surface for tests and drills.

    POST /{system}/{operation}   Idempotency-Key: <key>    JSON body: the order step's payload
        200 {"outcome": "applied" | "duplicate", ...}   the effect happened (now, or earlier for this key)
        503 {"outcome": "failed", ...}                   a fault rule said no; nothing applied
        400                                              no key, or a body that is not a JSON object
    GET  /_health                 {"ok": true}
    GET  /_ledger                 what was applied (each key once) and what was asked
    PUT  /_faults                 {"faults": "cbs.deactivate:fail-once,..."}  replace the fault rules
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crm_tui.simulator.faults import Fault, FaultSpecError, parse
from crm_tui.simulator.ledger import Ledger

SYSTEMS = ("cbs", "provisioning", "notify", "inventory")
CRASH_EXIT_CODE = 86
DROP_SECONDS = 3600.0
"""apply-then-drop holds the request this long: far past any caller's timeout."""


def build_app(ledger_path: Path, faults: str = "", *, exit_process: Callable[[int], None] = os._exit) -> Starlette:
    ledger = Ledger(ledger_path)
    state: dict[str, Any] = {"faults": parse(faults)}

    def fault_for(system: str, operation: str) -> Fault | None:
        return next((f for f in state["faults"] if f.applies(system, operation)), None)

    async def operate(request: Request) -> JSONResponse:
        system, operation = request.path_params["system"], request.path_params["operation"]
        if system not in SYSTEMS:
            return JSONResponse({"error": f"no system {system}"}, status_code=404)
        key = request.headers.get("idempotency-key", "").strip()
        if not key:
            return JSONResponse({"error": "the Idempotency-Key header is required"}, status_code=400)
        try:
            payload = await request.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
        fault = fault_for(system, operation)
        fail = fault is not None and (
            fault.mode == "fail" or (fault.mode == "fail-once" and ledger.attempts(system, operation, key) == 0)
        )
        if fault is not None and fault.mode == "slow":
            await asyncio.sleep(fault.seconds)
        outcome = ledger.receive(system, operation, key, payload, fail=fail)
        body = {"outcome": outcome, "system": system, "operation": operation, "key": key}
        if fail:
            return JSONResponse(body | {"error": f"simulated failure ({fault.mode})"}, status_code=503)
        if fault is not None and fault.mode == "crash":
            exit_process(CRASH_EXIT_CODE)
        if fault is not None and fault.mode == "apply-then-drop" and outcome == "applied":
            await asyncio.sleep(DROP_SECONDS)  # applied, but the caller hears nothing before its timeout
        return JSONResponse(body)

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "ledger": str(ledger.path)})

    async def show_ledger(_: Request) -> JSONResponse:
        return JSONResponse(ledger.summary())

    async def set_faults(request: Request) -> JSONResponse:
        body = await request.json()
        try:
            state["faults"] = parse(str(body.get("faults", "")) if isinstance(body, dict) else "")
        except FaultSpecError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse({"faults": [f.__dict__ for f in state["faults"]]})

    return Starlette(
        routes=[
            Route("/_health", health),
            Route("/_ledger", show_ledger),
            Route("/_faults", set_faults, methods=["PUT"]),
            Route("/{system}/{operation}", operate, methods=["POST"]),
        ]
    )


def serve(*, host: str, port: int, ledger_path: Path, faults: str = "") -> None:
    """Run until stopped (uvicorn, one process)."""
    uvicorn.run(build_app(ledger_path, faults), host=host, port=port, log_level="warning", timeout_graceful_shutdown=1)
