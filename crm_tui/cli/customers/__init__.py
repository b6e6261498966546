"""`crm-tui customers`: the noun with the most verbs, one module per kind of work.

- `finding`         search, show
- `registration`    register, export: one customer in, every customer out
- `editing`         update, document-seen: a profile changed after registration, an ID inspected
- `importing`       import: many customers in, from CSV, XLSX, JSON Lines or TMF629
- `authentication`  authenticate, reset-password, unlock-authentication, set-login: signing in
- `relationship`    terminate, reestablish, erase: the end (and return) of the relationship

The table below is the whole of `crm-tui customers --help`, in its order.
"""

from __future__ import annotations

import typer

from crm_tui.cli.customers import authentication, editing, finding, importing, registration, relationship

app = typer.Typer(help="Find, show, register and authenticate customers.", no_args_is_help=True)

app.command("search")(finding.customers_search)
app.command("show")(finding.customers_show)
app.command("register")(registration.customers_register)
app.command("update")(editing.customers_update)
app.command("document-seen")(editing.customers_document_seen)
app.command("authenticate")(authentication.customers_authenticate)
app.command("reset-password")(authentication.customers_reset_password)
app.command("unlock-authentication")(authentication.customers_unlock_authentication)
app.command("set-login")(authentication.customers_set_login)
app.command("terminate")(relationship.customers_terminate)
app.command("reestablish")(relationship.customers_reestablish)
app.command("erase")(relationship.customers_erase)
app.command("import")(importing.customers_import)
app.command("export")(registration.customers_export)
