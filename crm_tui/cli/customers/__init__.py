"""`crm-tui customers`: the noun with the most verbs, one module per kind of work.

- `finding`         search, list, show
- `registration`    register, export: one customer in, every customer out
- `editing`         update, document-seen: a profile changed after registration, an ID inspected
- `importing`       import: many customers in, from CSV, XLSX, JSON Lines or TMF629
- `authentication`  authenticate, reset-password, unlock-authentication, set-login: signing in
- `relationship`    terminate, reestablish, erase: the end (and return) of the relationship

VERBS below is the whole of `crm-tui customers --help`, in its order.
"""

from __future__ import annotations

import typer

from crm_tui.cli.conventions import lazy_group

VERBS = {
    "search": ("crm_tui.cli.customers.finding:customers_search", 'Find customers; filled fields combine (AND). `{"customers": [...], "total": N}` with --json.'),
    "list": ("crm_tui.cli.customers.finding:customers_list", 'List customers in the order they came; --incomplete for legacy records without a usable birthday.'),
    "show": ("crm_tui.cli.customers.finding:customers_show", "Everything about one customer: profile, certificates, accounts, lines, contracts, interactions."),
    "register": ("crm_tui.cli.customers.registration:customers_register", "Register a new customer with every check of the Registration screen."),
    "update": ("crm_tui.cli.customers.editing:customers_update", "Change a customer's profile with the checks of registration; version-checked."),
    "document-seen": ("crm_tui.cli.customers.editing:customers_document_seen", "Record that the customer's ID document was inspected in person (type, last digits, expiry)."),
    "authenticate": ("crm_tui.cli.customers.authentication:customers_authenticate", "Check a customer's service password, read from stdin (one line) or a hidden prompt."),
    "reset-password": ("crm_tui.cli.customers.authentication:customers_reset_password", "Set a new service password when the customer forgot it: the security answer proves who they are."),
    "unlock-authentication": ("crm_tui.cli.customers.authentication:customers_unlock_authentication", "Unlock a customer's authentication after repeated failures (supervisors, having seen the document)."),
    "set-login": ("crm_tui.cli.customers.authentication:customers_set_login", "Give, change or remove (with '') a customer's login name; it is unique whatever its case."),
    "terminate": ("crm_tui.cli.customers.relationship:customers_terminate", "End the whole relationship: every live line in one order, archive (with consent) and clean-up."),
    "reestablish": ("crm_tui.cli.customers.relationship:customers_reestablish", "Bring a former customer back under the same customer ID."),
    "erase": ("crm_tui.cli.customers.relationship:customers_erase", "Record an erasure request; a supervisor approves it in the erasure queue (exit 4: held)."),
    "import": ("crm_tui.cli.customers.importing:customers_import", "Bulk import customers (supervisors); refused rows are reported by row and field, the rest go in."),
    "export": ("crm_tui.cli.customers.registration:customers_export", "Export customers, one JSON object per line (admins; recorded in the audit trail)."),
}  # fmt: skip
"""The verbs of `crm-tui customers --help`, in its order: NAME -> ("module:function", its help line).
A verb's module loads only when it is named (`customers show` never imports the import's code);
a new verb is one line here (tests/cli/test_cli_layout.py checks each against its command)."""

app = typer.Typer(help="Find, show, register and authenticate customers.", no_args_is_help=True, cls=lazy_group(VERBS))
