"""A receipt as a document: plain text for a receipt printer (42 columns) and a PDF (fpdf2).

Both read the same lines (`receipt_lines`), so what the printer prints and what the PDF shows never
differ; money and times are worded by `crm_tui.present`, as everywhere else.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path

from fpdf import FPDF

from crm_tui.errors import InvalidInput
from crm_tui.i18n import _
from crm_tui.present import local_time, money_text, words
from crm_tui.services.shared.receipts import ReceiptView

WIDTH = 42
"""Columns of a common 80 mm receipt printer."""

RULE = "-"


def _pair(left: str, right: str, width: int) -> list[str]:
    """`left ..... right` on one line; a long left side wraps (by words) above the right-aligned value."""
    if len(left) + 1 + len(right) <= width:
        return [left + " " * (width - len(left) - len(right)) + right]
    lines = textwrap.wrap(left, width) or [""]
    last = lines.pop()
    if len(last) + 1 + len(right) <= width:
        return [*lines, last + " " * (width - len(last) - len(right)) + right]
    return [*lines, last, right.rjust(width)]


def receipt_lines(view: ReceiptView, *, width: int = WIDTH) -> list[str]:
    """The receipt, line by line, each at most `width` characters."""
    refund = view.kind == "refund"
    title = _("REFUND VOUCHER") if refund else _("RECEIPT")
    lines = [line[:width].center(width).rstrip() for line in view.header if line]
    lines.append(RULE * width)
    lines += _pair(title, view.receipt_number, width)
    if view.reprint:
        lines.append(_("*** REPRINT ***").center(width).rstrip())
    lines += _pair(_("Date"), local_time(view.issued_at), width)
    if view.shop:
        lines += _pair(_("Shop"), view.shop, width)
    if view.operator:
        lines += _pair(_("Operator"), view.operator, width)
    lines += _pair(_("Customer"), view.customer_id, width)
    lines += _pair(_("Name"), view.customer_name, width)
    lines += _pair(_("Account"), view.account_code, width)
    lines.append(RULE * width)
    for item in view.items:
        lines += _pair(item.description, money_text(item.amount, view.currency), width)
    lines.append(RULE * width)
    lines += _pair(_("TOTAL PAID OUT") if refund else _("TOTAL"), money_text(abs(view.total), view.currency), width)
    if view.vat_rate is not None and view.vat_amount is not None and view.net_amount is not None:
        rate = f"{view.vat_rate.normalize():f}"
        lines += _pair(
            "  " + _("incl. VAT {rate}%").format(rate=rate), money_text(view.vat_amount, view.currency), width
        )
        lines += _pair("  " + _("net of VAT"), money_text(view.net_amount, view.currency), width)
    lines += _pair(_("Refunded in") if refund else _("Paid by"), words(view.method), width)
    lines.append(RULE * width)
    if refund:
        lines += ["", _("Received by the customer:"), "", "_" * min(width, 30)]
    if view.footer:
        lines.append(view.footer[:width].center(width).rstrip())
    return lines


def receipt_text(view: ReceiptView, *, width: int = WIDTH) -> str:
    """Plain text for a receipt printer, one line a row, ending with a newline."""
    return "\n".join(receipt_lines(view, width=width)) + "\n"


def _latin1(line: str) -> str:
    """PDF core fonts speak Latin-1: the mask's bullets become asterisks, anything else unknown a '?'."""
    return line.replace("•", "*").encode("latin-1", "replace").decode("latin-1")


def receipt_pdf(view: ReceiptView) -> bytes:
    """The receipt as a one-page PDF, a narrow page like the printed slip, in a fixed-width font."""
    lines = receipt_lines(view)
    pdf = FPDF(unit="mm", format=(80, 12 + 4.2 * len(lines)))
    pdf.set_margins(3, 4, 3)
    pdf.set_auto_page_break(False)
    title = _("Refund voucher {number}") if view.kind == "refund" else _("Receipt {number}")
    pdf.set_title(title.format(number=view.receipt_number))
    pdf.set_creator("crm-tui")
    pdf.add_page()
    pdf.set_font("Courier", size=8.5)
    for line in lines:
        pdf.cell(0, 4.2, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def save_pdf(view: ReceiptView, target: Path) -> Path:
    """Write the PDF to `target` atomically (a temporary name, then a rename); folders are made."""
    target = target.expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".receipt-", delete=False) as tmp:
            tmp.write(receipt_pdf(view))
        os.replace(tmp.name, target)
    except OSError as error:
        raise InvalidInput(
            _("Cannot write {path}: {error}.").format(path=target, error=error.strerror or error),
            fields={"pdf": _("Cannot be written.")},
        ) from None
    return target
