"""The workbench's two themes: calm for the day at the counter, high contrast for glare or weak eyesight.

Both are dark like Textual's default, so the app can set the first one before its first frame
without re-reading every stylesheet (see `CrmApp.__init__`).
"""

from __future__ import annotations

from textual.theme import Theme

CALM = Theme(
    name="crm-calm",
    primary="#5B8DB8",
    secondary="#7FA7A0",
    accent="#E0B368",
    foreground="#DCE3EA",
    background="#1A222C",
    surface="#222C38",
    panel="#2B3846",
    success="#7FB77E",
    warning="#E0B368",
    error="#E06C75",
    dark=True,
)
"""The default: soft blue-grey that reads well all day on a shop terminal."""

HIGH_CONTRAST = Theme(
    name="crm-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    success="#00FF00",
    warning="#FFAA00",
    error="#FF3333",
    dark=True,
)
"""Black background, bright text and focus: for glare or weak eyesight."""

THEMES = (CALM, HIGH_CONTRAST)
"""Every theme the workbench registers; the first is the default."""
