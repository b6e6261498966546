"""Bulk import of customers from other systems (CSV or JSON lines in the import format of CLI.md).

Every row goes through the registration's own validation; a bad row is reported with its line
number and field and skipped; good rows are committed in batches (a savepoint per row, so one
bad row never spoils its batch); a row whose certificate already exists is reported as a
duplicate, so re-running the same file creates nothing twice. Near matches are imported: the
duplicate scan finds them later.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from crm_tui.errors import CrmError, DuplicateIdentity, InvalidInput
from crm_tui.services.context import Services
from crm_tui.services.identity.near_matches import _existing_owner
from crm_tui.services.identity.registration import _register
from crm_tui.services.identity.registration_form import (
    RegistrationForm,
    validate_registration,
)
from crm_tui.services.shared import audit
from crm_tui.services.shared.passwords import hash_secret
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.types import utcnow

BATCH_SIZE = 200


class RowProblem(View):
    line: int
    field: str | None
    message: str
    existing_customer_id: str | None = None


class ImportReport(View):
    file: str
    rows: int
    created: int
    duplicates: list[RowProblem]
    errors: list[RowProblem]
    held: int
    created_ids: list[str]


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, row, problem) for each data row; the header of a CSV is line 1."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                cleaned = {k.strip(): (v or "").strip() for k, v in row.items() if k and k.strip()}
                if any(cleaned.values()):
                    yield reader.line_num, cleaned, None
    elif suffix in (".jsonl", ".ndjson"):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as error:
                    yield number, None, f"Not JSON: {error.msg}"
                    continue
                yield (
                    (number, value, None)
                    if isinstance(value, dict)
                    else (number, None, "Each line must be one JSON object.")
                )
    else:
        raise InvalidInput("Import a .csv or .jsonl file.", fields={"file": "Only .csv and .jsonl."})


def count_rows(path: Path) -> int:
    return sum(1 for _ in read_rows(path))


def import_customers(
    path: str | Path,
    *,
    services: Services,
    actor: Actor,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
) -> ImportReport:
    """Import the file; supervisors and admins only (a CSR registers one at a time)."""
    require_role(actor, *SUPERVISORS, doing="import customers")
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"No file {path}.", fields={"file": "No such file."})
    settings = services.settings
    now = now or utcnow()
    created: list[str] = []
    duplicates: list[RowProblem] = []
    errors: list[RowProblem] = []
    held = 0
    rows = 0
    batch: list[tuple[int, Any, str | None, str | None]] = []

    def flush() -> None:
        nonlocal held
        if not batch:
            return
        with services.writer() as uow:
            for line, valid, password_hash, answer_hash in batch:
                existing = _existing_owner(uow, valid)
                if existing:
                    duplicates.append(
                        RowProblem(
                            line=line, field="cert_number", message="Already registered.", existing_customer_id=existing
                        )
                    )
                    continue
                savepoint = uow.session.begin_nested()
                try:
                    result = _register(
                        uow,
                        valid,
                        actor=actor,
                        now=now,
                        currency=settings.currency,
                        timezone=settings.timezone,
                        password_hash=password_hash,
                        answer_hash=answer_hash,
                        check_near_matches=False,
                    )
                    savepoint.commit()
                except DuplicateIdentity as error:
                    savepoint.rollback()
                    duplicates.append(
                        RowProblem(
                            line=line,
                            field="cert_number",
                            message=error.message,
                            existing_customer_id=error.extra.get("existing_customer_id"),
                        )
                    )
                except CrmError as error:
                    savepoint.rollback()
                    field = next(iter(error.fields), None)
                    errors.append(RowProblem(line=line, field=field, message=error.message))
                except IntegrityError:
                    savepoint.rollback()
                    errors.append(
                        RowProblem(
                            line=line,
                            field="cert_number",
                            message="Clashes with a record written in the same file (repeated certificate?).",
                        )
                    )
                else:
                    created.append(result.customer_id)
                    held += result.held is not None
            audit.record(uow, actor, "customer.import_batch", "file", path.name[:32], {"rows": len(batch)})
            uow.commit()
        if progress:
            progress(len(batch))
        batch.clear()

    seen_in_file: dict[tuple[str, str, str], int] = {}
    for line, row, problem in read_rows(path):
        rows += 1
        if problem:
            errors.append(RowProblem(line=line, field=None, message=problem))
            if progress:
                progress(1)
            continue
        row.pop("customer_id", None)  # an export's own ID, for the reader: this database issues its own
        try:
            form = RegistrationForm(**row)
            valid = validate_registration(
                form,
                region=settings.default_region,
                today=now.date(),
                min_age=settings.min_customer_age,
                require_password=False,
            )
        except ValidationError as error:
            first = error.errors()[0]
            errors.append(
                RowProblem(line=line, field=".".join(str(p) for p in first["loc"]) or None, message=first["msg"])
            )
            if progress:
                progress(1)
            continue
        except InvalidInput as error:
            field, message = next(iter(error.fields.items()), (None, error.message))
            errors.append(RowProblem(line=line, field=field, message=message))
            if progress:
                progress(1)
            continue
        key = (valid.cert_type.value, valid.cert_number, valid.cert_country)
        if key in seen_in_file:
            duplicates.append(
                RowProblem(
                    line=line,
                    field="cert_number",
                    message=f"Same certificate as line {seen_in_file[key]} of this file.",
                )
            )
            if progress:
                progress(1)
            continue
        seen_in_file[key] = line
        batch.append(
            (
                line,
                valid,
                hash_secret(form.service_password) if form.service_password else None,
                hash_secret(valid.security_answer_normalized) if valid.security_answer_normalized else None,
            )
        )
        if len(batch) >= batch_size:
            flush()
    flush()
    return ImportReport(
        file=path.name,
        rows=rows,
        created=len(created),
        duplicates=duplicates,
        errors=errors,
        held=held,
        created_ids=created,
    )
