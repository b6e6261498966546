"""`crm-tui receipts list | show | print`: a customer's receipts and refund vouchers; a reprint is marked and audited."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crm_tui.cli.options import Json
from crm_tui.cli.output import Column, local_time, money_text, out, print_json, print_table, reports_errors, say, words
from crm_tui.cli.session import invocation
from crm_tui.i18n import _

if TYPE_CHECKING:
    from crm_tui.services.shared.receipts import ReceiptView

app = typer.Typer(help="Receipts and refund vouchers: list, show, print (text or PDF).", no_args_is_help=True)

ReceiptNumber = Annotated[
    str, typer.Argument(metavar="RECEIPT", help="The receipt or voucher number. Example: RC000000012")
]


def _print_receipt(view: ReceiptView) -> None:
    print_table(
        (_("Refund voucher {number}") if view.kind == "refund" else _("Receipt {number}")).format(
            number=view.receipt_number
        ),
        [_("Item"), Column(_("Amount"), numeric=True)],
        [
            *((item.description, money_text(item.amount, view.currency)) for item in view.items),
            (_("Total"), money_text(view.total, view.currency)),
        ],
        caption=_("{issued} · {customer_id} {customer_name} · account {account} · {method}").format(
            issued=local_time(view.issued_at),
            customer_id=view.customer_id,
            customer_name=view.customer_name,
            account=view.account_code,
            method=words(view.method),
        )
        + (f" · {view.operator}" if view.operator else ""),
    )


@app.command("list")
@reports_errors
def receipts_list(
    customer_id: Annotated[str, typer.Argument(metavar="CUSTOMER", help="The customer. Example: C0000000018")],
    as_json: Json = False,
) -> None:
    """The customer's receipts and refund vouchers, newest first: `{"receipts": [...], "total": N}`.

    Example: crm-tui receipts list C0000000018 --json
    """
    from crm_tui.services.shared.receipts import list_receipts

    run = invocation()
    receipts = list_receipts(customer_id, uow=run.services().reader(), actor=run.actor())
    if as_json:
        print_json({"receipts": [r.model_dump(mode="json") for r in receipts], "total": len(receipts)})
        return
    print_table(
        _("Receipts of {customer_id}").format(customer_id=customer_id),
        [
            Column(_("Receipt"), code=True),
            _("Kind"),
            _("Issued"),
            _("Method"),
            Column(_("Total"), numeric=True),
            _("Account"),
        ],
        [
            (
                r.receipt_number,
                words(r.kind),
                local_time(r.issued_at),
                words(r.method),
                money_text(r.total, r.currency),
                r.account_code,
            )
            for r in receipts
        ],
    )


@app.command("show")
@reports_errors
def receipts_show(receipt: ReceiptNumber, as_json: Json = False) -> None:
    """One receipt as issued: `{"receipt_number", "kind", "customer_id", "items", "total", "vat_amount", ...}`.

    Example: crm-tui receipts show RC000000012 --json
    """
    from crm_tui.services.shared.receipts import get_receipt

    run = invocation()
    view = get_receipt(receipt, uow=run.services().reader(), actor=run.actor())
    if as_json:
        print_json(view)
        return
    _print_receipt(view)


@app.command("print")
@reports_errors
def receipts_print(
    receipt: ReceiptNumber,
    pdf: Annotated[
        Path | None,
        typer.Option("--pdf", metavar="FILE", help="Save the reprint as a PDF here. Example: --pdf receipt.pdf"),
    ] = None,
    text: Annotated[
        bool,
        typer.Option(
            "--text", help="Print the 42-column text for a receipt printer (the default without --pdf). Example: --text"
        ),
    ] = False,
    as_json: Json = False,
) -> None:
    """Reprint a receipt, marked REPRINT and audited: text on stdout (pipe it to the printer) or a PDF.

    Example: crm-tui receipts print RC000000012 --pdf /tmp/RC000000012.pdf
    """
    from crm_tui.services.shared.receipt_documents import receipt_text, save_pdf
    from crm_tui.services.shared.receipts import reprint_receipt

    run = invocation()
    view = reprint_receipt(receipt, uow=run.services().writer(), actor=run.actor(), form="pdf" if pdf else "text")
    saved = save_pdf(view, pdf) if pdf else None
    printed = receipt_text(view) if text or not pdf else None
    if as_json:
        print_json({"receipt": view.model_dump(mode="json"), "pdf": str(saved) if saved else None, "text": printed})
        return
    if printed is not None:
        out().print(printed, end="", markup=False, highlight=False, soft_wrap=True)
    if saved is not None:
        say(_("Saved {path}").format(path=saved))
