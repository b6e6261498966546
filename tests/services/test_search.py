"""Verify Customer: a CSR finds a customer by every key they may hold."""

from __future__ import annotations

import pytest

from crm_tui.domain import KeyKind
from crm_tui.errors import InvalidInput, NotAllowed, NotFound
from crm_tui.services.customers import search as customer_search
from crm_tui.services.customers.identify import identify_customer, recognise_key
from crm_tui.services.customers.profile import get_customer, open_customer
from crm_tui.services.customers.search import CustomerQuery, search_customers
from tests.factories import make_customer

REGION = "ES"


def search(services, actor, **fields):
    return search_customers(CustomerQuery(**fields), uow=services.reader(), actor=actor, region=REGION)


@pytest.mark.parametrize(
    "field, value",
    [
        ("cert_number", "12345678z"),
        ("cert_number", "12345678-Z"),
        ("service_number", "612 345 678"),
        ("service_number", "+34612345678"),
        ("imsi", "214070000000001"),
        ("iccid", "8934070000000000015"),
        ("email", "Lucia@Example.com"),
        ("name", "garcia"),
        ("name", "LUCIA PEREZ"),
        ("name", "lu"),
    ],
)
def test_each_key_finds_the_customer(services, csr, lucia, field, value):
    page = search(services, csr, **{field: value})
    assert [c.customer_id for c in page.customers] == [lucia]
    assert page.total == 1


def test_customer_id_finds_and_bad_check_digit_is_caught(services, csr, lucia):
    assert [c.customer_id for c in search(services, csr, customer_id=lucia.lower()).customers] == [lucia]
    wrong = lucia[:-1] + str((int(lucia[-1]) + 1) % 10)
    with pytest.raises(InvalidInput) as caught:
        search(services, csr, customer_id=wrong)
    assert "check digit" in caught.value.message


def test_fields_combine_with_and(services, csr, lucia):
    make_customer(services, first_name="Lucía", last_name="Martín", service_number="34612000111")
    assert search(services, csr, name="lucia").total == 2
    page = search(services, csr, name="lucia", service_number="612345678")
    assert [c.customer_id for c in page.customers] == [lucia]
    assert search(services, csr, name="martin", service_number="612345678").total == 0


def test_certificate_type_narrows(services, csr, lucia):
    assert search(services, csr, cert_number="12345678Z", cert_type="national_id").total == 1
    assert search(services, csr, cert_number="12345678Z", cert_type="passport").total == 0


def test_csr_sees_certificate_masked_supervisor_in_full(services, csr, supervisor, lucia):
    assert search(services, csr, name="garcia").customers[0].cert_number == "•••• 678Z"
    assert search(services, supervisor, name="garcia").customers[0].cert_number == "12345678Z"


@pytest.mark.parametrize(
    "field, value",
    [
        ("imsi", "12345"),
        ("imsi", "123450000000001"),
        ("iccid", "8934070000000000016"),
        ("iccid", "1234567890123456789"),
        ("service_number", "abc"),
        ("cert_number", "!!"),
        ("email", "not-an-email"),
        ("email", "lucia@-example.com"),  # looks plain, so it is looked up first; nothing found, refused in full
        ("email", "lucia@example.invalid"),
        ("name", "x" * 10_000),
    ],
)
def test_malformed_keys_get_a_message_at_their_field(services, csr, field, value):
    with pytest.raises(InvalidInput) as caught:
        search(services, csr, **{field: value})
    assert field in caught.value.fields


def test_every_bad_field_is_reported_at_once_a_plain_looking_email_too(services, csr, lucia):
    with pytest.raises(InvalidInput) as caught:
        search(services, csr, customer_id=lucia[:-1] + "x", email="lucia@-example.com")
    assert set(caught.value.fields) == {"customer_id", "email"}


def test_sql_metacharacters_are_just_text(services, csr, lucia):
    for value in ["' OR 1=1 --", '"; DROP TABLE customers; --', "%", "_", "garc%", "\\"]:
        page = search(services, csr, name=value) if len(value.strip()) >= 2 else None
        if page is not None:
            assert page.total == 0, value
    assert search(services, csr, name="garcia").total == 1


def test_empty_query_is_refused(services, csr):
    with pytest.raises(InvalidInput):
        search(services, csr)


def test_search_needs_a_signed_in_operator(services, lucia):
    with pytest.raises(NotAllowed, match="Sign in to search customers"):
        search_customers(CustomerQuery(name="garcia"), uow=services.reader(), actor=None, region=REGION)


def test_paging(services, csr):
    for i in range(7):
        make_customer(services, first_name=f"Pagina{i}", last_name="Serrano")
    first = search_customers(
        CustomerQuery(name="serrano"), uow=services.reader(), actor=csr, region=REGION, page=1, page_size=3
    )
    third = search_customers(
        CustomerQuery(name="serrano"), uow=services.reader(), actor=csr, region=REGION, page=3, page_size=3
    )
    assert first.total == 7 and first.pages == 3
    assert len(first.customers) == 3 and len(third.customers) == 1
    names = [c.name for c in first.customers]
    assert names == sorted(names)


def test_a_full_page_is_counted_whatever_the_search(services, csr, lucia):
    """A full page asks how many there are: counted in the page's statement for a name alone, by a
    count statement otherwise (a key with a name, a listing)."""
    make_customer(services, first_name="Lucía", last_name="Serrano", cert_number="87654321X")

    def page(query: CustomerQuery, number: int = 1):  # noqa: ANN202
        return search_customers(query, uow=services.reader(), actor=csr, region=REGION, page=number, page_size=1)

    by_name = page(CustomerQuery(name="lucia"))
    by_key, by_key_page_2 = (page(CustomerQuery(name="lucia", cert_type="national_id"), n) for n in (1, 2))
    listed = customer_search.list_customers(uow=services.reader(), actor=csr, page_size=1)
    assert (by_name.total, by_key.total, by_key_page_2.total, listed.total) == (2, 2, 2, 2)
    assert by_name.pages == by_key.pages == listed.pages == 2


def test_unicode_names_round_trip_and_search(services, csr):
    ids = {
        name: make_customer(services, first_name=first, last_name=last)
        for name, (first, last) in {
            "cjk": ("王", "小明"),
            "arabic": ("محمد", "العلي"),
            "combining": ("Zoe\u0308", "Mu\u0308ller"),
        }.items()
    }
    page = search(services, csr, name="muller")
    assert [c.customer_id for c in page.customers] == [ids["combining"]]
    detail = get_customer(ids["arabic"], uow=services.reader(), actor=csr)
    assert detail.first_name == "محمد" and detail.last_name == "العلي"
    assert search(services, csr, name="王 小明").customers[0].customer_id == ids["cjk"]


@pytest.mark.parametrize(
    "raw, kind",
    [
        ("lucia@example.com", KeyKind.EMAIL),
        ("214070000000001", KeyKind.IMSI),
        ("8934070000000000015", KeyKind.ICCID),
        ("612 345 678", KeyKind.SERVICE_NUMBER),
        ("+34 612 345 678", KeyKind.SERVICE_NUMBER),
        ("12345678Z", KeyKind.CERTIFICATE),
        ("XA1234567", KeyKind.CERTIFICATE),
        ("García", KeyKind.NAME),
        ("lucia garcia", KeyKind.NAME),
    ],
)
def test_identify_box_recognises_each_kind_of_key(raw, kind):
    assert recognise_key(raw, region=REGION).kind == kind


def test_identify_box_recognises_customer_id(services, csr, lucia):
    assert recognise_key(lucia, region=REGION).kind == KeyKind.CUSTOMER_ID
    page = identify_customer(lucia, uow=services.reader(), actor=csr, region=REGION)
    assert page.key_kind == "customer_id" and page.customers[0].customer_id == lucia


def test_opening_a_customer_captures_the_interaction(services, csr, lucia):
    detail = open_customer(lucia, uow=services.writer(), actor=csr, key_kind=KeyKind.SERVICE_NUMBER)
    assert detail.customer_id == lucia
    assert detail.subscribers[0].service_number == "34612345678"
    assert detail.contracts[0].penalty_amount == 120
    assert detail.interactions[0].kind == "identify"
    assert detail.interactions[0].key_kind == "service_number"
    assert detail.interactions[0].operator == "alice"
    again = get_customer(lucia, uow=services.reader(), actor=csr)
    assert len(again.interactions) == 1


def test_unknown_customer_is_not_found(services, csr):
    from crm_tui.services.shared.validation import customer_id_for

    with pytest.raises(NotFound):
        get_customer(customer_id_for(999_999), uow=services.reader(), actor=csr)


def test_a_broad_name_search_looks_at_a_bounded_set_and_says_so(services, csr, monkeypatch):
    monkeypatch.setattr(customer_search, "NAME_CANDIDATES", 3)
    for i in range(5):
        make_customer(services, first_name=f"Nombre{'abcde'[i]}", last_name="Comun")
    page = search(services, csr, name="comun")
    assert page.total == 3 and page.total_is_capped
    precise = search_customers(CustomerQuery(name="nombrea comun"), uow=services.reader(), actor=csr, region=REGION)
    assert precise.total == 1 and not precise.total_is_capped
