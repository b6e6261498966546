"""The import-format examples in data/examples stay valid: a script can copy them and succeed."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from crm_tui.services.customers.profile import get_customer
from crm_tui.services.identity.registration import register_customer
from crm_tui.services.identity.registration_form import (
    RegistrationForm,
    validate_registration,
)
from tests.factories import stock_pools

EXAMPLES = Path(__file__).parents[2] / "data" / "examples"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_customer_json_registers_with_a_line(services, csr, admin):
    stock_pools(services, admin)
    form = RegistrationForm(**json.loads((EXAMPLES / "customer.json").read_text()))
    result = register_customer(form, uow=services.writer(), actor=csr, region="ES", now=NOW)
    assert result.service_number and result.held is None
    detail = get_customer(result.customer_id, uow=services.reader(), actor=csr)
    assert detail.name == "Marta Soler Vidal"
    assert {a.address_type for a in detail.addresses} == {"living", "billing"}
    assert detail.preferences and detail.preferences.dnd_start == "21:00"


def test_every_csv_row_is_valid():
    with (EXAMPLES / "customers.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    for row in rows:
        validate_registration(RegistrationForm(**row), region="ES", today=NOW.date())
