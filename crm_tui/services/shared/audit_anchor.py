"""What anchors the audit log outside the database: its key and its signed checkpoints.

The key signs every entry (HMAC-SHA256). It comes from `CRM_AUDIT_KEY` (hex or any text; every
terminal of one database must hold the same, so a PostgreSQL installation sets it from its secret
store), or else from `audit.key` in the data folder, created on first use with 32 random bytes and
mode 0600. Checkpoints (the head's id, HMAC and the count, signed) are appended to
`audit-checkpoints.jsonl` in the data folder by `crm-tui audit checkpoint` and after every intact
`crm-tui audit verify`; copies kept elsewhere (`-o FILE`) are checked the same way.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import ValidationError

from crm_tui.errors import InvalidInput
from crm_tui.i18n import _
from crm_tui.services.shared.audit import Checkpoint

KEY_FILE = "audit.key"
CHECKPOINTS_FILE = "audit-checkpoints.jsonl"


def audit_key(configured: str | None, data_dir: Path) -> bytes:
    """The configured key, else the data folder's key file (made on first use, readable by its owner only)."""
    if configured:
        text = configured.strip()
        try:
            return bytes.fromhex(text)
        except ValueError:
            return text.encode()
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another terminal made it a moment ago
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text().strip())


def checkpoints_path(data_dir: Path) -> Path:
    return data_dir / CHECKPOINTS_FILE


def save_checkpoint(checkpoint: Checkpoint, path: Path) -> Path:
    """Append one signed checkpoint (a JSON line) to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(checkpoint.model_dump_json() + "\n")
    return path


def load_checkpoints(*paths: Path) -> list[Checkpoint]:
    """Every checkpoint in these files (a missing default file is no checkpoint; a bad line is refused)."""
    found = []
    for path in paths:
        if not path.exists():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                found.append(Checkpoint.model_validate_json(line))
            except ValidationError:
                raise InvalidInput(
                    _("{file} line {number} is not a checkpoint.").format(file=path.name, number=number),
                    fields={"checkpoint": _("Not a checkpoint line.")},
                ) from None
    return found
