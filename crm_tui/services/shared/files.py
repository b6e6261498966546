"""Files kept under the data folder by content hash (ID scans, signed forms): where one lives, and
placing files so that they exist exactly when the transaction that records them commits.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol


class StorableFile(Protocol):
    source: Path
    content_hash: str


def stored_path(data_dir: Path, content_hash: str) -> Path:
    """Where a file with this content lives: data_dir/attachments/<aa>/<hash>."""
    return data_dir / "attachments" / content_hash[:2] / content_hash


class FilePlacement:
    """Files placed for one transaction: put in place just before it commits, taken away again when
    it does not (a registration refused after its ID scan was checked leaves no copy behind).

    A process killed between placing and committing leaves a file no row points at: the orphan sweep
    (`sweep_orphans`, `crm-tui attachments sweep`, and every archive purge) removes it after a grace
    period.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.created: list[Path] = []

    def place(self, checked: StorableFile) -> Path:
        """Copy into place atomically (a temporary name, then a rename); an existing copy is kept."""
        target = stored_path(self.data_dir, checked.content_hash)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            return target
        with (
            tempfile.NamedTemporaryFile(dir=target.parent, prefix=TEMPORARY_PREFIX, delete=False) as tmp,
            checked.source.open("rb") as source,
        ):
            for block in iter(lambda: source.read(1 << 16), b""):
                tmp.write(block)
        os.replace(tmp.name, target)
        self.created.append(target)
        return target

    def undo(self) -> None:
        """Remove what this placement created (the transaction did not commit)."""
        for path in self.created:
            path.unlink(missing_ok=True)
        self.created.clear()


TEMPORARY_PREFIX = ".incoming-"
