"""Dates typed on screen the operator's way reach the services as ISO (issue 15, point 2)."""

from __future__ import annotations

from crm_tui import present
from crm_tui.screens.registration_parts import registration_form
from crm_tui.screens.resume_parts import parse_day


def _form(birthday: str):
    values = {"customer_type": "individual", "birthday": birthday}
    return registration_form(
        lambda name: values.get(name, ""), different_from=[], contacts=[], addresses=[], attachments=[]
    )


def test_a_birthday_typed_day_first_reaches_the_service_as_iso():
    present.configure(locale="es_ES")
    assert _form("12/4/1988").birthday == "1988-04-12"
    assert _form("1988-04-12").birthday == "1988-04-12"
    assert _form("31/02/1988").birthday == "31/02/1988"  # not a date: as typed, the service says what it expects


def test_a_reserved_date_typed_the_local_way_is_sent_as_iso():
    present.configure(locale="en_IE")
    assert present.iso_day("1/3/2030") == "2030-03-01"
    assert parse_day("3/1/2030").month == 1
    present.configure(locale="en_US")
    assert present.iso_day("3/1/2030") == "2030-03-01"  # month first in the US
