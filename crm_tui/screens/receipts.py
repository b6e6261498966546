"""RECEIPTS of one customer (`p` on the customer view): every payment and refund voucher, newest first.
enter shows the chosen one as it was issued; `r` reprints it (marked REPRINT, audited) as the text a
receipt printer prints; `s` saves the reprint as a PDF in the data folder (receipts/<number>.pdf)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from crm_tui.i18n import N_, _
from crm_tui.present import local_time, money, words
from crm_tui.screens.base import WorkbenchScreen
from crm_tui.services.shared.receipt_documents import receipt_text, save_pdf
from crm_tui.services.shared.receipts import (
    ReceiptSummary,
    ReceiptView,
    get_receipt,
    list_receipts,
    receipt_path,
    reprint_receipt,
)
from crm_tui.widgets.tables import WorkbenchTable

COLUMNS = ((N_("Receipt"), 12), (N_("Kind"), 7), (N_("Issued"), 16), (N_("Method"), 7), (N_("Total"), 12))
"""(header translated where shown, width); the English header is the column's key."""


class ReceiptsTable(WorkbenchTable):
    """The customer's receipts; enter shows the one under the cursor."""

    BINDINGS = [Binding("enter", "select_cursor", N_("Show"), tooltip=N_("the receipt as issued"), id="receipts-show")]


class ReceiptsScreen(WorkbenchScreen):
    """Left: the receipts. Right: the chosen receipt as printed (42 columns)."""

    BINDINGS = [
        Binding(
            "r",
            "reprint",
            N_("Reprint"),
            tooltip=N_("as text for the receipt printer, marked REPRINT"),
            id="receipts-reprint",
        ),
        Binding(
            "s",
            "save_pdf",
            N_("Save PDF"),
            tooltip=N_("the reprint as a PDF in the data folder"),
            id="receipts-save-pdf",
        ),
    ]
    DEFAULT_CSS = """
    ReceiptsScreen #receipts-title { height: 1; margin-top: 1; }
    ReceiptsScreen #receipts-title > .screen-title { width: auto; }
    ReceiptsScreen #receipts-status { width: 1fr; padding: 0 1; color: $text-muted; }
    ReceiptsScreen #receipts-panes { height: 1fr; }
    ReceiptsScreen #receipts-list { width: 1fr; height: 1fr; }
    ReceiptsScreen #receipt-paper { width: 48; height: 1fr; padding: 0 1; border: round $accent; scrollbar-size-vertical: 1; }
    ReceiptsScreen #receipt-text { width: 42; }
    """
    AUTO_FOCUS = "#receipts-list"
    HELP_TITLE = N_("Receipts")
    WORKFLOW = (
        N_("The customer's payments and refund vouchers, newest first: arrows choose, enter shows one."),
        N_("r reprints the chosen receipt (marked REPRINT, recorded in the audit trail) for the receipt printer."),
        N_("s saves the reprint as a PDF in the data folder; escape goes back to the customer."),
    )

    def __init__(self, customer_id: str) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.receipts: list[ReceiptSummary] = []
        self.shown: ReceiptView | None = None
        self.saved: Path | None = None
        """The last PDF saved here (tests and the status line read it)."""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="receipts-title"):
            yield Static(
                _("RECEIPTS · {customer_id}").format(customer_id=self.customer_id), classes="screen-title", markup=False
            )
            yield Static("", id="receipts-status", markup=False)
        with Horizontal(id="receipts-panes"):
            yield ReceiptsTable(id="receipts-list")
            with VerticalScroll(id="receipt-paper"):
                yield Static(_("enter shows the chosen receipt"), id="receipt-text", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#receipts-list", ReceiptsTable)
        for label, width in COLUMNS:
            table.add_column(_(label), width=width, key=label)
        app = self.workbench
        services, actor, customer_id = app.services, app.actor, self.customer_id
        self.call_service(
            lambda: list_receipts(customer_id, uow=services.reader(), actor=actor),
            self._show_list,
            group="receipts-list",
            description="Load the customer's receipts",  # i18n: not for people
            busy=table,
        )

    def _show_list(self, receipts: list[ReceiptSummary]) -> None:
        self.receipts = receipts
        table = self.query_one("#receipts-list", ReceiptsTable)
        for r in receipts:
            table.add_row(
                r.receipt_number,
                _("Refund") if r.kind == "refund" else _("Payment"),
                local_time(r.issued_at),
                _(words(r.method)),  # "Cash", "Card", "Account": marked in line_order and add_line
                money(r.total, r.currency),
                key=r.receipt_number,
            )
        self._status(
            _("{count} receipt(s)").format(count=len(receipts)) if receipts else _("No payment or refund yet.")
        )

    def _status(self, message: str) -> None:
        self.query_one("#receipts-status", Static).update(f"  {message}")

    def selected(self) -> ReceiptSummary | None:
        table = self.query_one("#receipts-list", ReceiptsTable)
        if not self.receipts or table.cursor_row < 0:
            return None
        return self.receipts[min(table.cursor_row, len(self.receipts) - 1)]

    def _paper(self, view: ReceiptView) -> None:
        self.shown = view
        self.query_one("#receipt-text", Static).update(receipt_text(view))

    @on(DataTable.RowSelected, "#receipts-list")
    def _show_one(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        app = self.workbench
        services, actor, number = app.services, app.actor, chosen.receipt_number
        self.call_service(
            lambda: get_receipt(number, uow=services.reader(), actor=actor),
            self._paper,
            group="receipt-show",
            description="Show a receipt",  # i18n: not for people
        )

    def _reprint(self, form: str, then: Callable[[tuple[ReceiptView, Path | None]], object]) -> None:
        """Reprint the chosen receipt in a worker (as a PDF: saved there too, off the UI thread)."""
        chosen = self.selected()
        if chosen is None:
            self.notify(_("This customer has no receipt to reprint."), title=_("No receipt"))
            return
        app = self.workbench
        services, actor, number = app.services, app.actor, chosen.receipt_number
        data_dir = services.settings.data_dir

        def reprint() -> tuple[ReceiptView, Path | None]:
            view = reprint_receipt(number, uow=services.writer(), actor=actor, form=form)
            return view, save_pdf(view, receipt_path(data_dir, number)) if form == "pdf" else None

        self.call_service(
            reprint,
            then,
            group="receipt-reprint",
            description="Reprint a receipt",  # i18n: not for people
        )

    def action_reprint(self) -> None:
        """The reprint's text (what the receipt printer gets), marked REPRINT."""

        def printed(result: tuple[ReceiptView, Path | None]) -> None:
            self._paper(result[0])
            self._status(_("{receipt} reprinted.").format(receipt=result[0].receipt_number))

        self._reprint("text", printed)

    def action_save_pdf(self) -> None:
        """The reprint as a PDF under the data folder (an erasure removes it with the customer)."""

        def saved(result: tuple[ReceiptView, Path | None]) -> None:
            self._paper(result[0])
            self.saved = result[1]
            self._status(_("Saved {path}").format(path=self.saved))
            self.notify(str(self.saved), title=_("Receipt saved as PDF"))

        self._reprint("pdf", saved)
