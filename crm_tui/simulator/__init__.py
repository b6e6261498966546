"""The BSS simulator: a separate service that plays billing (CBS), provisioning and notifications
over HTTP, the way the CRM reaches the real systems. It keeps its own ledger in its own SQLite
file, applies each idempotency key once, and takes fault rules at start or at runtime.

Run it with `crm-tui bss-sim --port 8700` (or `python -m crm_tui.simulator`). It imports nothing of
the CRM but this package (an import contract keeps it so): it stands for another system.
"""
