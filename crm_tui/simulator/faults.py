"""Fault rules: `SYSTEM.OPERATION:MODE,...`, set at start (`--faults`) or at runtime (PUT /_faults).

Modes: `fail` (503 every time), `fail-once` (503 on the first request of each key), `slow Ns` (answer
after N seconds, then apply), `apply-then-drop` (apply, then never answer: the caller's timeout
expires and the outcome is unknown to it), `crash` (apply, then the process ends at once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MODE = re.compile(r"^(fail|fail-once|apply-then-drop|crash|slow\s+(\d+(?:\.\d+)?)s)$")


class FaultSpecError(ValueError):
    pass


@dataclass(frozen=True)
class Fault:
    system: str
    operation: str
    mode: str
    seconds: float = 0.0

    def applies(self, system: str, operation: str) -> bool:
        return self.system in ("*", system) and self.operation in ("*", operation)


def parse(spec: str) -> tuple[Fault, ...]:
    faults = []
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        target, _, mode = part.partition(":")
        system, _, operation = target.partition(".")
        match = MODE.match(mode.strip())
        if not system or not operation or match is None:
            raise FaultSpecError(
                f"{part!r} is not SYSTEM.OPERATION:MODE (fail, fail-once, slow 2s, apply-then-drop, crash)"
            )
        seconds = float(match.group(2)) if match.group(2) else 0.0
        faults.append(Fault(system, operation, "slow" if seconds else match.group(1), seconds))
    return tuple(faults)
