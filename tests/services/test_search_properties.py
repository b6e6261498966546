"""Whatever a CSR types into any search field is text: a page of results or a field message."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_tui.errors import InvalidInput
from crm_tui.services.customers.identify import identify_customer
from crm_tui.services.customers.search import CustomerQuery, search_customers
from tests.factories import make_customer

FIELDS = ["customer_id", "cert_number", "service_number", "name", "imsi", "iccid", "email"]
ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.sampled_from(
    ["' OR 1=1 --", "%", "_%_", "\\", '"', "\x1b[31m", "\x00", "a" * 10_000, "😀😀😀", "Zoe\u0308"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=ANY_TEXT)
def test_any_input_in_any_field_is_a_page_or_a_field_error(services, csr, field, value):
    try:
        page = search_customers(CustomerQuery(**{field: value}), uow=services.reader(), actor=csr, region="ES")
    except InvalidInput as error:
        assert error.fields, "an invalid input names its field"
    else:
        assert page.total == len(page.customers) == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=ANY_TEXT)
def test_identify_box_never_fails_on_odd_input(services, csr, value):
    try:
        identify_customer(value, uow=services.reader(), actor=csr, region="ES")
    except InvalidInput as error:
        assert error.fields


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.text(alphabet=st.characters(categories=["L", "M"]), min_size=3, max_size=20).filter(lambda s: s.strip()),
)
def test_unicode_names_come_back_exactly(services, csr, first):
    from crm_tui.services.customers.profile import get_customer

    customer_id = make_customer(services, first_name=first, last_name="Roundtrip")
    assert get_customer(customer_id, uow=services.reader(), actor=csr).first_name == first
