"""The key footer, recomposed only when the keys it shows change.

Textual's footer rebuilds all its keys whenever the bindings may have changed, which is on every focus
move: on the Registration form each Tab remounted some fifteen footer keys and laid the screen out
again. Moving between two fields whose keys are the same now costs nothing.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel

from crm_tui.i18n import N_, _, current_language

TEXTUAL_WORDS = (N_("palette"),)
"""Words Textual puts in the footer itself (its ctrl+p key), for the catalogue."""


def shown_keys(screen: Screen) -> tuple[tuple[str, str, str, bool], ...]:
    """(key, action, description, enabled) of every binding the footer would show on `screen`, in order."""
    return tuple(
        (active.binding.key, active.binding.action, _(active.binding.description), active.enabled)
        for active in screen.active_bindings.values()
        if active.binding.show
    )


class WorkbenchFooter(Footer):
    """A compact footer that keeps its keys while they stay the same, in the operator's language
    (binding descriptions are marked with N_() where they are declared and translated here)."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._shown: tuple[tuple[str, str, str, bool], ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            super().bindings_changed(screen)
            return
        shown = (*shown_keys(screen), ("", "", current_language(), True))
        if self._bindings_ready and shown == self._shown:
            return
        self._shown = shown
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description) if widget.description else ""
                if widget.tooltip:
                    widget.tooltip = _(str(widget.tooltip))
            elif isinstance(widget, FooterLabel):
                widget.update(_(str(widget.content)))
            yield widget
