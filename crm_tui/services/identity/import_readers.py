"""Reading an import file the way offices save them: CSV, XLSX, JSON Lines or TMF629 JSON.

- CSV: the encoding is detected (a BOM says it; else UTF-8 if the bytes are UTF-8; else
  charset-normalizer's proposals, Windows-1252 first among them: what Excel saves in Western
  Europe), and the delimiter too (`csv.Sniffer` over the first 64 KB among `, ; TAB |`, checked
  against the header: the delimiter that splits it into known field names wins). Quoted fields may
  hold newlines; a row's number is the line it starts on (the header is line 1).
- XLSX: the first sheet, its first non-empty row the header (openpyxl, read-only). Dates come as
  dates or, in a column not formatted as a date, as Excel serial numbers: both become YYYY-MM-DD
  in `birthday`; whole numbers (a postal code, a phone typed as a number) lose their `.0`.
- JSON Lines: one object a line, the import format, or a TMF629 Customer resource a line (what
  `customers export --format tmf629` writes); `.json`: one array (or one object) of either.
Header names are matched without regard to case, spaces or hyphens (`First name` is `first_name`).
Every reader yields (row number, row, problem) with exactly one of row and problem set.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from crm_tui.errors import InvalidInput
from crm_tui.i18n import _
from crm_tui.services.identity.import_tmf import is_tmf629, row_from_tmf629
from crm_tui.services.identity.registration_form import RegistrationForm

FORMATS = ("auto", "csv", "xlsx", "jsonl", "tmf629")
SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".jsonl": "jsonl"}
SUFFIXES |= {".ndjson": "jsonl", ".json": "jsonl"}
DELIMITERS = ",;\t|"
SNIFF_BYTES = 65536
KNOWN_FIELDS = frozenset(RegistrationForm.model_fields) | {"customer_id"}
DATE_FIELDS = frozenset({"birthday"})
PREFERRED_CODE_PAGES = ("cp1252", "iso8859_15", "latin_1")
"""Among charset-normalizer's proposals for a file that is not UTF-8, these win, in this order: short
Spanish or French text fits Central European code pages as well (cp1250 reads ñ as ń)."""

Row = tuple[int, dict[str, Any] | None, str | None]


@dataclass(frozen=True)
class Source:
    """An import file and how it is read (said in the report, so a surprise shows)."""

    path: Path
    format: str
    encoding: str | None = None
    delimiter: str | None = None


@lru_cache(maxsize=4096)
def header_key(name: str) -> str:
    """A header cell as a field name (asked again for every row's cells: hence the cache)."""
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def open_source(path: Path, format: str = "auto") -> Source:  # noqa: A002 - the CLI's word
    """What the file is (by its suffix and first bytes unless `format` says) and, for CSV, its encoding and delimiter."""
    if format not in FORMATS:
        raise InvalidInput(
            _("Unknown import format {format}.").format(format=repr(format)),
            fields={"format": _("One of {formats}.").format(formats=", ".join(FORMATS))},
        )
    if not path.is_file():
        raise InvalidInput(_("No file {name}.").format(name=path.name), fields={"file": _("No such file.")})
    kind = format if format != "auto" else SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InvalidInput(
            _("Cannot tell the format of {name} from its name.").format(name=path.name),
            fields={"file": _("Use .csv, .xlsx, .jsonl or .json, or give --format.")},
        )
    if kind == "jsonl" and format == "auto" and _looks_like_tmf629(path):
        kind = "tmf629"
    if kind != "csv":
        return Source(path, kind)
    raw = path.read_bytes()
    encoding = detect_encoding(raw)
    text = raw.decode(encoding)
    return Source(path, "csv", encoding, detect_delimiter(text[:SNIFF_BYTES]))


def _looks_like_tmf629(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", errors="replace")
    return '"engagedParty"' in head or '"@type": "Customer"' in head or '"@type":"Customer"' in head


def detect_encoding(raw: bytes) -> str:
    """The text encoding of a CSV file's bytes."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        start = max(0, error.start - SNIFF_BYTES // 2)
        sample = raw[start : start + SNIFF_BYTES]
    proposals = [match.encoding for match in from_bytes(sample)]
    for encoding in [*(p for p in PREFERRED_CODE_PAGES if p in proposals), *proposals, "cp1252"]:
        try:
            raw.decode(encoding)
            return encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return "latin_1"  # every byte is a character: never refused for its encoding alone


def detect_delimiter(sample: str) -> str:
    """The delimiter whose split of the header names the most known fields (csv.Sniffer's guess first)."""
    header_line = sample.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None

    def known(delimiter: str) -> int:
        return sum(header_key(cell.strip().strip('"')) in KNOWN_FIELDS for cell in header_line.split(delimiter))

    best = max(DELIMITERS, key=known)
    if sniffed and known(sniffed) >= known(best):
        return sniffed
    return best if known(best) else (sniffed or ",")


def read_rows(source: Source) -> Iterator[Row]:
    """(row number, row, problem) for each data row."""
    if source.format == "csv":
        yield from _csv_rows(source)
    elif source.format == "xlsx":
        yield from _xlsx_rows(source.path)
    else:
        yield from _json_rows(source.path, tmf=source.format == "tmf629")


def estimate_rows(source: Source) -> int | None:
    """How many rows (for a progress bar): exact for text files, the sheet's extent for XLSX."""
    if source.format == "xlsx":
        workbook = load_workbook(source.path, read_only=True, data_only=True)
        try:
            rows = workbook.worksheets[0].max_row
        finally:
            workbook.close()
        return max(0, (rows or 1) - 1) or None
    return sum(1 for _ in read_rows(source))


def _cleaned(row: dict[str | None, Any]) -> dict[str, Any]:
    return {header_key(k): (v or "").strip() for k, v in row.items() if k and header_key(k)}


def _csv_rows(source: Source) -> Iterator[Row]:
    text = source.path.read_bytes().decode(source.encoding or "utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=source.delimiter or ",")
    start = 2
    try:
        for row in reader:
            cleaned = _cleaned(row)
            if any(cleaned.values()):
                yield start, cleaned, None
            start = reader.line_num + 1
    except csv.Error as error:
        yield start, None, f"Not CSV from here on: {error}."


def _cell(value: Any, key: str, epoch: datetime) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if key in DATE_FIELDS or value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if key in DATE_FIELDS:
            return from_excel(value, epoch=epoch).date().isoformat()
        if float(value).is_integer():
            return str(int(value))
        return str(value)
    return str(value).strip()


def _xlsx_rows(path: Path) -> Iterator[Row]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise InvalidInput(
            _("{name} is not an Excel workbook (.xlsx).").format(name=path.name), fields={"file": _("Not XLSX.")}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        header: list[str] | None = None
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if header is None:
                if any(v not in (None, "") for v in values):
                    header = [header_key(v) if v is not None else "" for v in values]
                continue
            row = {
                key: _cell(value, key, workbook.epoch)
                for key, value in zip(header, values, strict=False)
                if key and value is not None
            }
            if any(row.values()):
                yield number, row, None
    finally:
        workbook.close()


def _json_rows(path: Path, *, tmf: bool) -> Iterator[Row]:
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(path.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InvalidInput(
                _("{name} is not JSON: {error}.").format(name=path.name, error=error), fields={"file": _("Not JSON.")}
            ) from None
        items = document if isinstance(document, list) else [document]
        for number, value in enumerate(items, start=1):
            yield _json_row(number, value, tmf=tmf)
        return
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                yield number, None, f"Not JSON: {error.msg}."
                continue
            yield _json_row(number, value, tmf=tmf)


def _json_row(number: int, value: Any, *, tmf: bool) -> Row:
    if not isinstance(value, dict):
        return number, None, "Each entry must be one JSON object."
    if tmf or is_tmf629(value):
        row, problem = row_from_tmf629(value)
        return number, row, problem
    return number, value, None
