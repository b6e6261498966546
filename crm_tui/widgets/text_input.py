"""The workbench's text field: Textual's Input, without a reflow of the whole screen at each key."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class TextInput(Input):
    """Textual's Input sets its virtual size (the text's width, which bounds horizontal scrolling)
    at every key, and a widget's virtual size is a layout reactive: each key re-arranged every
    widget on the screen, some 190 on the registration form. Our fields' boxes never depend on their
    text (their width is set; an Input with `width: auto` still asks for the layout itself), so a
    repaint is enough, and scrolling reads the virtual size directly. CPU a key typed into the
    registration form (bench/bench_typing.py, 2026-12-03, 120x40): 19.6 ms with Input, 7.06 ms."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), repaint=True)
