"""Editable rows of a form (contacts, addresses, attachments): a titled table with New and Delete,
and the small modal form that adds one row."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from crm_tui.i18n import N_, _
from crm_tui.present import NOTHING
from crm_tui.widgets.form_field import FormField, show_field_errors
from crm_tui.widgets.tables import WorkbenchTable
from crm_tui.widgets.text_input import TextInput


@dataclass(frozen=True)
class RowField:
    """One column of the rows and one field of the modal form that adds a row."""

    name: str
    """The key in the row's values (the service's field name)."""
    label: str
    """The column's header and the field's label, marked with N_() and translated where shown."""
    choices: Sequence[tuple[str, str]] | None = None
    """(label, value) pairs: the field is a Select; the table shows the label (translated where shown)."""
    placeholder: str | Callable[[], str] = ""
    """Marked with N_() and translated where shown, or made where shown (a date: present.day_example)."""
    required: bool = False
    default: str = ""
    width: int | None = None

    def shown(self, value: str) -> str:
        """The words for a stored value in this column."""
        if not value:
            return NOTHING
        for label, choice in self.choices or ():
            if choice == value:
                return _(label)
        return value


class RowFormModal(ModalScreen[dict[str, str] | None]):
    """A small form for one row: ctrl+s (or Enter on the last field) adds it, escape cancels."""

    DEFAULT_CSS = """
    RowFormModal { align: center middle; }
    RowFormModal > #row-form {
        width: 96; height: auto; max-height: 90%; padding: 1 2;
        border: round $primary; background: $surface;
    }
    RowFormModal #row-form-title { text-style: bold; color: $accent; padding: 0 1 1 1; }
    RowFormModal #row-form-fields { grid-size: 3; grid-gutter: 0 1; grid-rows: auto; height: auto; }
    RowFormModal #row-form-buttons { height: 3; align-horizontal: right; }
    RowFormModal #row-form-buttons > Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding(
            "ctrl+s", "save", N_("Add"), tooltip=N_("add the row (enter on the last field too)"), id="row-form-save"
        ),
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("no row is added"), id="row-form-cancel"),
    ]

    def __init__(self, title: str, fields: Sequence[RowField]) -> None:
        super().__init__()
        self.form_title = title
        self.fields = tuple(fields)

    def compose(self) -> ComposeResult:
        with Vertical(id="row-form"):
            yield Static(_(self.form_title), id="row-form-title")
            with Grid(id="row-form-fields"):
                for spec in self.fields:
                    if spec.choices is not None:
                        control = Select(
                            [(_(label), value) for label, value in spec.choices],
                            value=spec.default or Select.NULL,
                            allow_blank=not spec.default,
                            prompt="—",
                            id=f"row-{spec.name}",
                        )
                    else:
                        control = TextInput(
                            value=spec.default,
                            placeholder=spec.placeholder() if callable(spec.placeholder) else _(spec.placeholder),
                            max_length=300,
                            id=f"row-{spec.name}",
                        )
                    yield FormField(_(spec.label) + (" *" if spec.required else ""), control, name=spec.name)
            with Horizontal(id="row-form-buttons"):
                yield Button(_("Add (ctrl+s)"), id="row-form-add", variant="primary")
                yield Button(_("Cancel (esc)"), id="row-form-cancel")

    def values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for spec in self.fields:
            control = self.query_one(f"#row-{spec.name}")
            if isinstance(control, Select):
                values[spec.name] = "" if control.value is Select.NULL else str(control.value)
            else:
                values[spec.name] = control.value.strip()
        return values

    @on(Input.Submitted)
    def _next_or_save(self, event: Input.Submitted) -> None:
        event.stop()
        last = self.query(Input).last()
        if event.input is last:
            self.action_save()
        else:
            self.focus_next()

    @on(Button.Pressed, "#row-form-add")
    def action_save(self) -> None:
        values = self.values()
        missing = {spec.name: _("Required.") for spec in self.fields if spec.required and not values[spec.name]}
        if show_field_errors(self, missing):
            return
        self.dismiss(values)

    @on(Button.Pressed, "#row-form-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class EditableRows(Vertical):
    """A section title with New, the rows in a table (Delete removes the one under the cursor)."""

    DEFAULT_CSS = """
    EditableRows { height: auto; }
    EditableRows > .rows-title-line { height: 1; margin-top: 1; }
    EditableRows > .rows-title-line > .section-title { width: auto; margin: 0; }
    EditableRows > .rows-title-line > Button {
        height: 1; min-width: 10; border: none; margin-left: 2; padding: 0 1;
    }
    EditableRows > WorkbenchTable { height: auto; max-height: 7; margin: 0 1; }
    EditableRows > .rows-empty { color: $text-muted; text-style: italic; padding: 0 2; height: 1; }
    """
    BINDINGS = [
        Binding("delete", "delete_row", N_("Delete row"), tooltip=N_("the row under the cursor"), id="delete-row")
    ]

    class NewRequested(Message):
        """The CSR pressed New: the screen opens the right form for a row."""

        def __init__(self, rows: EditableRows) -> None:
            super().__init__()
            self.rows = rows

        @property
        def control(self) -> EditableRows:
            return self.rows

    def __init__(self, title: str, columns: Sequence[RowField], *, new_label: str = N_("New"), id: str) -> None:  # noqa: A002
        super().__init__(id=id)
        self.title = title
        self.columns = tuple(columns)
        self.new_label = new_label
        self._rows: list[dict[str, str]] = []

    def compose(self) -> ComposeResult:
        with Horizontal(classes="rows-title-line"):
            yield Static(_(self.title), classes="section-title")
            yield Button(_(self.new_label), id=f"{self.id}-new", classes="rows-new")
        table = WorkbenchTable(id=f"{self.id}-table")
        table.can_focus = False
        table.display = False
        yield table
        yield Static(_("No Data"), classes="rows-empty")

    def on_mount(self) -> None:
        table = self.table
        for spec in self.columns:
            table.add_column(_(spec.label), width=spec.width)

    @property
    def table(self) -> WorkbenchTable:
        return self.query_one(WorkbenchTable)

    @property
    def rows(self) -> list[dict[str, str]]:
        """The rows' values, in order (copies)."""
        return [dict(row) for row in self._rows]

    def add_row(self, values: Mapping[str, str]) -> None:
        self._rows.append(dict(values))
        self._redraw()
        self.table.move_cursor(row=len(self._rows) - 1)

    def clear(self) -> None:
        self._rows.clear()
        self._redraw()

    def focus(self, scroll_visible: bool = True) -> EditableRows:
        """Focus the rows when there are some, else New (where the fix starts)."""
        target = self.table if self._rows else self.query_one(".rows-new", Button)
        target.focus(scroll_visible)
        return self

    def focus_row(self, index: int) -> None:
        if 0 <= index < len(self._rows):
            self.table.move_cursor(row=index)
        self.focus()

    def _redraw(self) -> None:
        table = self.table
        cursor = table.cursor_row
        table.clear()
        for row in self._rows:
            table.add_row(
                *(Text(spec.shown(row.get(spec.name, "")), no_wrap=True, overflow="ellipsis") for spec in self.columns)
            )
        has_rows = bool(self._rows)
        table.display = has_rows
        table.can_focus = has_rows
        self.query_one(".rows-empty").display = not has_rows
        if has_rows:
            table.move_cursor(row=min(cursor, len(self._rows) - 1))

    @on(Button.Pressed, ".rows-new")
    def _new(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.NewRequested(self))

    def action_delete_row(self) -> None:
        if not self._rows or not self.table.has_focus:
            return
        index = self.table.cursor_row
        if 0 <= index < len(self._rows):
            del self._rows[index]
            self._redraw()
            self.focus()
