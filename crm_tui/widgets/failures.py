"""How the workbench tells a failure: a business failure said plainly (or in place, by the screen that
can), its field errors at the fields, anything else logged with its traceback and never a crash.

The app's one failure handler (`CrmApp.show_failure`) and its database opening use this; light on
purpose, as it is on the cold-start path.
"""

from __future__ import annotations

import logging
from pathlib import Path

from textual.app import App
from textual.dom import DOMNode

from crm_tui.errors import CrmError
from crm_tui.i18n import _

log = logging.getLogger("crm_tui.app")
"""The workbench's logger (named after the app, as the log lines have always said)."""


def tell_failure(app: App, error: BaseException, target: DOMNode, *, log_path: Path) -> None:
    """A `CrmError` to `target`'s `show_field_errors` and `show_error` (if it has them), else a toast;
    anything else to the log at `log_path`, and a toast that says where."""
    if isinstance(error, CrmError):
        if error.fields:
            show_field_errors = getattr(target, "show_field_errors", None)
            if show_field_errors is not None:
                show_field_errors(error.fields)
        show_error = getattr(target, "show_error", None)
        if show_error is not None and show_error(error):
            return
        app.notify(error.message, title=_(error.title), severity="error")
        return
    log_to(log_path).error("Unexpected failure in the workbench", exc_info=error)
    app.notify(
        _("Unexpected failure, see the log at {log_path}").format(log_path=log_path),
        title=_("Unexpected failure"),
        severity="error",
        timeout=15,
    )


def log_to(path: Path) -> logging.Logger:
    """The workbench logger, writing to `path` (a file handler added once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not any(isinstance(h, logging.FileHandler) and h.baseFilename == str(path.resolve()) for h in log.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return log
