"""How an erasure proves itself: every text column of every table (picked by the Python type it stores),
the SQLite name index and every stored file, searched for every identifier of the person."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import JSON, Column, String, cast, func, or_, select
from sqlalchemy import column as column_text
from sqlalchemy import table as table_text

from crm_tui.i18n import _
from crm_tui.services.context import Services
from crm_tui.services.privacy.orphans import stored_files
from crm_tui.services.shared.validation import (
    normalize_name,
)
from crm_tui.services.shared.views import View
from crm_tui.storage import schema

INVENTORY_TABLES = ("number_pool", "sim_pool")


class TableCheck(View):
    table: str
    rows_checked: int
    found: int
    note: str = ""


class FileScan(View):
    checked: int
    found: list[str]
    """Stored file names (content hashes, never a person's data) that still hold an identifier."""


def scan_files(data_dir: Path, needles: list[str]) -> FileScan:
    """Every stored file (an orphan too) read whole and searched for every identifier, as UTF-8 and as
    Latin-1 bytes (what a scanner or a PDF writer may have used)."""
    patterns = {
        form
        for needle in needles
        for form in (needle.encode("utf-8"), needle.encode("latin-1", "ignore"), needle.lower().encode("utf-8"))
        if len(form) >= 4
    }
    found = []
    files = stored_files(data_dir)
    for path in files:
        content = path.read_bytes()
        lowered = content.lower()
        if any(pattern in content or pattern in lowered for pattern in patterns):
            found.append(path.name)
    return FileScan(checked=len(files), found=found)


def searchable(column: Column) -> bool:
    """A column that can hold text, by the Python type it stores: SQLModel's `str` fields are
    AutoString, a TypeDecorator (its own python_type is `object`), so ask the type it decorates."""
    kind = getattr(column.type, "impl_instance", column.type)
    try:
        return kind.python_type in (str, dict, list)
    except NotImplementedError:
        return isinstance(kind, (String, JSON))


def verify_absent(services: Services, needles: list[str]) -> list[TableCheck]:
    """Every text and JSON column of every table, and the SQLite name index, searched for every identifier."""
    report = []
    with services.reader() as uow:
        for table in schema.metadata.sorted_tables:  # every room's tables, loaded or not by the caller
            columns = [c for c in table.columns if searchable(c)]
            rows = uow.session.execute(select(func.count()).select_from(table)).scalar_one()
            if table.name in INVENTORY_TABLES:
                report.append(
                    TableCheck(
                        table=table.name,
                        rows_checked=rows,
                        found=0,
                        note=_("operator inventory: unlinked from the person, numbers stay in stock"),
                    )
                )
                continue
            found = 0
            if columns and needles:
                conditions = [cast(c, String).contains(n, autoescape=True) for c in columns for n in needles]
                found = uow.session.execute(
                    select(func.count()).select_from(table).where(or_(*conditions))
                ).scalar_one()
            report.append(
                TableCheck(
                    table=table.name,
                    rows_checked=rows,
                    found=found,
                    note=_("{count} text columns").format(count=len(columns)),
                )
            )
        if services.database.is_sqlite and needles:
            index = table_text("customers_fts", column_text("name_search"))
            rows = uow.session.execute(select(func.count()).select_from(index)).scalar_one()
            names = [normalize_name(n) for n in needles if len(normalize_name(n)) >= 4]
            found = (
                uow.session.execute(
                    select(func.count())
                    .select_from(index)
                    .where(or_(*[index.c.name_search.contains(n, autoescape=True) for n in names]))
                ).scalar_one()
                if names
                else 0
            )
            report.append(
                TableCheck(table="customers_fts", rows_checked=rows, found=found, note=_("the name search index"))
            )
    return report
