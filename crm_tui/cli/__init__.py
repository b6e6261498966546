"""The command line: `crm-tui NOUN VERB`, the stable interface scripts drive (see CLI.md).

What lives here:
- `main`     the root typer app: global options (--db, --as), and NOUNS, the registry of nouns
             (a noun's module is imported only when the command line names it);
- `batch`    `crm-tui batch`: many commands in one process under one sign-in;
- `session`  who runs the command and where: the Invocation (settings, services, sign-in),
             password prompts, confirmations;
- `output`   the one JSON document, tables, errors -> exit codes, progress bars, the error log;
- `options`  typer options and input parsers several commands share;
- one module per noun of `crm-tui --help` (`customers/` a package: it has the most verbs).

What it may import: everything below it (app, screens, widgets, services, storage, config,
present, domain, errors, identifiers, paths). Nothing imports it but `crm_tui.launch`.

Lazy imports (the faces may, for cold start): a noun's module (and a `customers` verb's) loads
when named (`conventions.LazyGroup`); every command imports the services it runs inside its
function, so `--help`, a typo or another noun never load SQLAlchemy or open the database; a read
opens the database only (`session.Invocation.reader`), the order engine and queues load with
`Invocation.services()`; rich loads when something is drawn (`output`);
`open` imports `crm_tui.app` (Textual) only to open the workbench; `session` lists its own.

This file stays empty on purpose: bare `crm-tui` imports `crm_tui.cli.session` to open the
workbench, and importing a package runs its `__init__`; typer and the commands must not load then.
"""
