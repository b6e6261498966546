"""Bulk import of customers from other systems: CSV, XLSX, JSON Lines or TMF629 (import_readers.py).

Every row goes through the registration's own validation (import_checking.py); a bad row is
reported with its row number and field and skipped. Good rows are committed in batches, one
transaction each: a row that is only an identity is written with its batch at once
(import_writing.py: Core bulk inserts, the customer IDs from registration's sequence), any other
(a line to take, a login name, attachments...) through `register_valid` behind its own savepoint,
without the near-match search (the duplicate scan finds near matches later). One bad row never
spoils its batch: clashes are looked up for the whole batch first (the certificates' owners, the
file's own repeats), and a clash only the insert sees (a terminal registering the same document
meanwhile) sends the batch row by row, each refused by line.

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
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm_tui.errors import CrmError, DuplicateIdentity
from crm_tui.i18n import _
from crm_tui.services.context import Services
from crm_tui.services.identity.import_checking import RowProblem, Rules, checked_rows
from crm_tui.services.identity.import_readers import Source, estimate_rows, open_source, read_rows
from crm_tui.services.identity.import_writing import BatchRow, write_batch, writes_in_bulk
from crm_tui.services.identity.registration import register_valid
from crm_tui.services.identity.registration_form import (
    ValidRegistration,
)
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.customers import Certificate, Customer
from crm_tui.storage.types import utcnow

BATCH_SIZE = 200
LEDGER_ACTION = "customer.import_batch"

CertKey = tuple[str, str, str]


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
                            message=_("Already registered to another name or birthday."),
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

    def pending() -> Iterator[tuple[int, dict[str, Any]]]:
        for line, row, problem in read_rows(source):
            counts["rows"] += 1
            if line in done_before:
                counts["skipped"] += 1
                tick()
            elif problem or row is None:
                errors.append(RowProblem(line=line, field=None, message=problem or _("Empty.")))
                tick()
            else:
                yield line, row

    settings = services.settings
    rules = Rules(
        region=settings.default_region, today=now.date(), min_age=settings.min_customer_age, hash_secrets=not check
    )
    with closing(checked_rows(pending(), rules)) as checked:
        for row in checked:
            valid = row.valid
            if valid is None:
                errors.append(row.problem or RowProblem(line=row.line, field=None, message=_("Empty.")))
                tick()
                continue
            key = (valid.cert_type.value, valid.cert_number, valid.cert_country)
            if key in seen_in_file:
                duplicates.append(
                    RowProblem(
                        line=row.line,
                        field="cert_number",
                        message=_("Same certificate as row {row} of this file.").format(row=seen_in_file[key]),
                    )
                )
                tick()
                continue
            seen_in_file[key] = row.line
            batch.append((row.line, valid, row.password_hash, row.answer_hash))
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
        return RowProblem(line=line, field="cert_number", message=_("Clashes with a record written at the same time."))
    return result.customer_id, result.held is not None
