"""Bulk import of customers from other systems: CSV, XLSX, JSON Lines or TMF629 (import_readers.py).

Every row goes through the registration's own validation and writing (`register_valid`, without the
near-match search: the duplicate scan finds near matches later). A bad row is reported with its
row number and field and skipped; good rows are committed in batches, one transaction each, a
savepoint per row so one bad row never spoils its batch.

Safe to stop and run again (Ctrl+C, a killed process, a lost connection):
- a batch commits whole or not at all, and with it an audit entry (`customer.import_batch`, keyed
  by the file's SHA-256) listing the rows it created: a run of the same file reads those entries
  and skips the rows already in (`already_imported`), by row number, without reading them again;
- whatever else is already there is found by its natural key, the certificate (type, number,
  country), and never created twice (a UNIQUE constraint backs it): the same name and birthday
  count as already in; another name or birthday under that certificate is a refused duplicate.
So a run after a kill neither duplicates nor loses a row, and says which rows earlier runs took.

Legacy records are kept when they can be (issue 14.5): a person without a birthday, or with an
improbable one (in the future, older than 120), goes in with the birthday empty and the customer
flagged `incomplete`, and the report carries a warning for the row; a row that cannot identify
anyone (no name, a certificate whose check digit is wrong, a malformed date) is still refused.

`check=True` is the dry run: the same reading, validation and duplicate look-ups, nothing written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm_tui.errors import CrmError, DuplicateIdentity, InvalidInput
from crm_tui.services.context import Services
from crm_tui.services.identity.import_readers import Source, estimate_rows, open_source, read_rows
from crm_tui.services.identity.import_writing import BatchRow, write_batch, writes_in_bulk
from crm_tui.services.identity.registration import register_valid
from crm_tui.services.identity.registration_form import (
    RegistrationForm,
    ValidRegistration,
    validate_registration,
)
from crm_tui.services.shared import audit
from crm_tui.services.shared.passwords import hash_secret
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models import AuditEntry, Certificate, Customer
from crm_tui.storage.types import utcnow

BATCH_SIZE = 200
LEDGER_ACTION = "customer.import_batch"

CertKey = tuple[str, str, str]


class RowProblem(View):
    line: int
    """The row's number in the file: the line it starts on (CSV, JSON Lines; the header is 1), the
    sheet row (XLSX), the entry (a JSON array)."""
    field: str | None
    message: str
    existing_customer_id: str | None = None


class ImportReport(View):
    file: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    check: bool = False
    """A dry run: nothing was written; `created` counts what would be."""
    rows: int
    created: int
    already_imported: int = 0
    """Rows already in: created by an earlier run of this same file (it was interrupted, or this is a
    re-run), or found by their certificate with the same name and birthday."""
    duplicates: list[RowProblem]
    errors: list[RowProblem]
    warnings: list[RowProblem] = []
    """Rows that went in (or would, on a dry run) flagged `incomplete`, and why."""
    incomplete: int = 0
    """How many of the created rows are flagged `incomplete`."""
    refused: int = 0
    """Duplicates plus errors: the rows that are not in."""
    held: int
    created_ids: list[str]


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inspect_source(path: str | Path, *, format: str = "auto") -> tuple[Source, int | None]:  # noqa: A002
    """How the file will be read and about how many rows it has (for a progress bar); refuses an
    unreadable or unknown file before anything else happens."""
    source = open_source(Path(path), format)
    return source, estimate_rows(source)


def _already_imported(services: Services, digest: str) -> dict[int, str]:
    """Row number -> customer ID for the rows earlier runs of this file created (the ledger)."""
    done: dict[int, str] = {}
    with services.reader() as uow:
        for summary in uow.session.execute(
            select(AuditEntry.summary).where(AuditEntry.action == LEDGER_ACTION, AuditEntry.entity_id == digest[:32])
        ).scalars():
            if (summary or {}).get("sha256") == digest:
                done.update({int(line): str(customer) for line, customer in summary.get("created", [])})
    return done


def _owners(session: Any, keys: list[CertKey]) -> dict[CertKey, tuple[str, str, Any]]:
    """The customer already holding each certificate (ID, name for search, birthday), for a batch at
    once: one query by number (the indexed column, plain bound values), type and country matched here."""
    if not keys:
        return {}
    wanted = set(keys)
    rows = session.execute(
        select(
            Certificate.cert_type,
            Certificate.cert_number,
            Certificate.cert_country,
            Customer.customer_id,
            Customer.name_search,
            Customer.birthday,
        )
        .join(Customer, Customer.id == Certificate.customer_id)
        .where(Certificate.cert_number.in_(sorted({number for _, number, _ in keys})))
    )
    return {(t, n, c): (owner, name, birthday) for t, n, c, owner, name, birthday in rows if (t, n, c) in wanted}


def _same_person(valid: ValidRegistration, owner: tuple[str, str, Any]) -> bool:
    """The row is the customer already there (same certificate, name and birthday): it is in, not refused."""
    return owner[1] == valid.name_search and owner[2] == valid.birthday


def _validated(row: dict[str, Any], *, services: Services, today: Any) -> tuple[RegistrationForm, ValidRegistration]:
    settings = services.settings
    row.pop("customer_id", None)  # an export's own ID, for the reader: this database issues its own
    form = RegistrationForm(**row)
    valid = validate_registration(
        form,
        region=settings.default_region,
        today=today,
        min_age=settings.min_customer_age,
        require_password=False,
        keep_incomplete=True,
    )
    return form, valid


def _problem_of(error: Exception, line: int) -> RowProblem:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        message = "Not a field of the import format." if first["type"] == "extra_forbidden" else first["msg"]
        return RowProblem(line=line, field=field, message=message)
    assert isinstance(error, InvalidInput)
    field, message = next(iter(error.fields.items()), (None, error.message))
    return RowProblem(line=line, field=field, message=message)


def import_customers(
    path: str | Path,
    *,
    services: Services,
    actor: Actor,
    format: str = "auto",  # noqa: A002 - the CLI's word
    check: bool = False,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
) -> ImportReport:
    """Import the file (or, with `check`, say what importing it would do); supervisors and admins only."""
    require_role(actor, *SUPERVISORS, doing="import customers")
    source = open_source(Path(path), format)
    now = now or utcnow()
    digest = file_digest(source.path)
    done_before = _already_imported(services, digest)
    created: list[tuple[int, str]] = []
    duplicates: list[RowProblem] = []
    errors: list[RowProblem] = []
    counts = {"rows": 0, "held": 0, "skipped": 0}
    batch: list[tuple[int, ValidRegistration, str | None, str | None]] = []
    seen_in_file: dict[CertKey, int] = {}

    warnings: list[RowProblem] = []

    incomplete_lines: set[int] = set()

    def warn(line: int, valid: ValidRegistration) -> None:
        if valid.incomplete:
            incomplete_lines.add(line)
        warnings.extend(RowProblem(line=line, field="birthday", message=reason) for reason in valid.incomplete)

    def tick(n: int = 1) -> None:
        if progress and n:
            progress(n)

    def flush() -> None:
        if not batch:
            return
        keys = [(v.cert_type.value, v.cert_number, v.cert_country) for _, v, _, _ in batch]
        uow = services.reader() if check else services.writer()
        with uow:
            owners = _owners(uow.session, keys)
            made: list[tuple[int, str]] = []
            bulk: list[BatchRow] = []
            one_by_one: list[BatchRow] = []
            for (line, valid, password_hash, answer_hash), key in zip(batch, keys, strict=True):
                if key in owners and _same_person(valid, owners[key]):
                    counts["skipped"] += 1  # idempotent by natural key: this person is in already
                    continue
                if key in owners:
                    duplicates.append(
                        RowProblem(
                            line=line,
                            field="cert_number",
                            message="Already registered to another name or birthday.",
                            existing_customer_id=owners[key][0],
                        )
                    )
                    continue
                if check:
                    made.append((line, ""))
                    continue
                if writes_in_bulk(valid):
                    bulk.append(BatchRow(line, valid, password_hash, answer_hash))
                else:
                    one_by_one.append(BatchRow(line, valid, password_hash, answer_hash))
            if bulk and not _bulk_written(uow, bulk, made, actor=actor, now=now, settings=services.settings):
                one_by_one.extend(bulk)  # a terminal took a document meanwhile: row by row, each told why
            for item in sorted(one_by_one, key=lambda r: r.line):
                made_one = _register_one(
                    uow,
                    item.line,
                    item.valid,
                    item.password_hash,
                    item.answer_hash,
                    actor=actor,
                    now=now,
                    currency=services.settings.currency,
                    timezone=services.settings.timezone,
                )
                if isinstance(made_one, RowProblem):
                    (duplicates if made_one.existing_customer_id else errors).append(made_one)
                else:
                    made.append((item.line, made_one[0]))
                    counts["held"] += made_one[1]
            made.sort()
            valid_of = {line: valid for line, valid, _, _ in batch}
            for line, _customer in made:
                warn(line, valid_of[line])
            if not check:
                audit.record(
                    uow,
                    actor,
                    LEDGER_ACTION,
                    "file",
                    digest[:32],
                    {
                        "file": source.path.name[:64],
                        "sha256": digest,
                        "lines": [batch[0][0], batch[-1][0]],
                        "created": [[line, customer] for line, customer in made],
                        "incomplete": [customer for line, customer in made if line in incomplete_lines],
                    },
                )
                uow.commit()
        created.extend(made)
        tick(len(batch))
        batch.clear()

    for line, row, problem in read_rows(source):
        counts["rows"] += 1
        if line in done_before:
            counts["skipped"] += 1
            tick()
            continue
        if problem or row is None:
            errors.append(RowProblem(line=line, field=None, message=problem or "Empty."))
            tick()
            continue
        try:
            form, valid = _validated(row, services=services, today=now.date())
        except (ValidationError, InvalidInput) as error:
            errors.append(_problem_of(error, line))
            tick()
            continue
        key = (valid.cert_type.value, valid.cert_number, valid.cert_country)
        if key in seen_in_file:
            duplicates.append(
                RowProblem(
                    line=line, field="cert_number", message=f"Same certificate as row {seen_in_file[key]} of this file."
                )
            )
            tick()
            continue
        seen_in_file[key] = line
        hashes = (None, None) if check else _secret_hashes(form, valid)
        batch.append((line, valid, *hashes))
        if len(batch) >= batch_size:
            flush()
    flush()
    return ImportReport(
        file=source.path.name,
        format=source.format,
        encoding=source.encoding,
        delimiter=source.delimiter,
        check=check,
        rows=counts["rows"],
        created=len(created),
        already_imported=counts["skipped"],
        duplicates=sorted(duplicates, key=lambda p: p.line),
        errors=sorted(errors, key=lambda p: p.line),
        warnings=sorted(warnings, key=lambda p: p.line),
        incomplete=len({p.line for p in warnings}),
        refused=len(duplicates) + len(errors),
        held=counts["held"],
        created_ids=[customer for _, customer in created if customer],
    )


def _bulk_written(
    uow: Any, rows: list[BatchRow], made: list[tuple[int, str]], *, actor: Actor, now: datetime, settings: Any
) -> bool:
    """The identity-only rows of a batch in one go, behind a savepoint; False (nothing written) on a clash."""
    savepoint = uow.session.begin_nested()
    try:
        customer_ids = write_batch(
            uow, rows, actor=actor, now=now, currency=settings.currency, timezone=settings.timezone
        )
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        return False
    made.extend((row.line, customer_id) for row, customer_id in zip(rows, customer_ids, strict=True))
    return True


def _secret_hashes(form: RegistrationForm, valid: ValidRegistration) -> tuple[str | None, str | None]:
    return (
        hash_secret(form.service_password) if form.service_password else None,
        hash_secret(valid.security_answer_normalized) if valid.security_answer_normalized else None,
    )


def _register_one(
    uow: Any,
    line: int,
    valid: ValidRegistration,
    password_hash: str | None,
    answer_hash: str | None,
    *,
    actor: Actor,
    now: datetime,
    currency: str,
    timezone: str,
) -> tuple[str, bool] | RowProblem:
    """One row inside the batch's transaction, behind its own savepoint: (customer ID, held) or why not."""
    savepoint = uow.session.begin_nested()
    try:
        result = register_valid(
            uow,
            valid,
            actor=actor,
            now=now,
            currency=currency,
            timezone=timezone,
            password_hash=password_hash,
            answer_hash=answer_hash,
            check_near_matches=False,
        )
        savepoint.commit()
    except DuplicateIdentity as error:
        savepoint.rollback()
        return RowProblem(
            line=line,
            field="cert_number",
            message=error.message,
            existing_customer_id=error.extra.get("existing_customer_id"),
        )
    except CrmError as error:
        savepoint.rollback()
        return RowProblem(line=line, field=next(iter(error.fields), None), message=error.message)
    except IntegrityError:
        savepoint.rollback()
        return RowProblem(line=line, field="cert_number", message="Clashes with a record written at the same time.")
    return result.customer_id, result.held is not None
