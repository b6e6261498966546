"""How the keyboard moves through the Registration form at the counter (issue 17: fewer keys).

- Enter in a field goes to the next field of the *counter's path* that is still empty: the document
  number, its country, the Customer Name box (which fills the names), any name it left empty, the
  birthday (behind MORE ▾), the service password twice, then the primary offering; then SUBMIT.
  Optional fields are skipped (Tab still visits every field).
- ctrl+down / ctrl+up go to the first field of the next / previous section (a section title is a
  `.section-title`: CERTIFICATE INFO, BASIC INFO, the three lists, USER INFO, ...).

Worked out from the widgets in screen order, so a field added to the form needs no change here
unless it joins the path.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Select

from crm_tui.domain import CustomerType
from crm_tui.screens.customer_form import read_value

INDIVIDUAL_PATH = (
    "cert_number",
    "cert_country",
    "customer_name",
    "last_name",
    "first_name",
    "birthday",
    "service_password",
    "service_password_confirm",
    "primary_offering",
)
"""The fields a person's registration with a line needs, in screen order."""
ORGANIZATION_PATH = (
    "cert_number",
    "cert_country",
    "customer_name",
    "organization_name",
    "service_password",
    "service_password_confirm",
    "primary_offering",
)
"""The same for an organization (its legal name instead of a person's names and birthday)."""

FORM = "#registration-form"


def _screen_order(screen: Screen) -> dict[DOMNode, int]:
    return {node: index for index, node in enumerate(screen.query_one(FORM).walk_children())}


def _needed(screen: Screen, name: str, *, organization: bool) -> bool:
    """Is the path's field `name` still to be filled?"""
    if name == "customer_name":
        names = ("organization_name",) if organization else ("first_name", "last_name")
        return not all(read_value(screen, other).strip() for other in names)
    control = screen.query_one(f"#{name}")
    if isinstance(control, Select):
        return control.value is Select.NULL
    return isinstance(control, Input) and not control.value.strip()


def path(screen: Screen) -> tuple[str, ...]:
    """The counter's path for the customer type chosen."""
    organization = read_value(screen, "customer_type") == CustomerType.ORGANIZATION
    return ORGANIZATION_PATH if organization else INDIVIDUAL_PATH


def next_on_path(screen: Screen, current: Widget) -> Widget | None:
    """The first field of the path after `current` (in screen order) still empty; None: go to SUBMIT."""
    order = _screen_order(screen)
    here = order.get(current, -1)
    organization = read_value(screen, "customer_type") == CustomerType.ORGANIZATION
    for name in path(screen):
        control = screen.query_one(f"#{name}")
        if order.get(control, -1) > here and _needed(screen, name, organization=organization):
            return control  # type: ignore[return-value] - a field is a widget
    return None


def section_start(screen: Screen, focused: Widget | None, step: int) -> Widget | None:
    """The first field (in focus order) of the section `step` sections from the focused one's."""
    order = _screen_order(screen)
    titles = sorted(order[node] for node in screen.query(f"{FORM} .section-title"))
    chain = [widget for widget in screen.focus_chain if widget in order]
    if not titles or not chain:
        return None
    here = order.get(focused, -1) if focused is not None else -1
    current = max((i for i, title in enumerate(titles) if title < here), default=-1)
    target = current + step
    while 0 <= target < len(titles):
        end = titles[target + 1] if target + 1 < len(titles) else len(order)
        first = next((w for w in chain if titles[target] < order[w] < end), None)
        if first is not None:
            return first
        target += 1 if step > 0 else -1
    return None
