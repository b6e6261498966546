"""Issue 15, point 4: each field's rule is its field's library, with a message at the field.

The cases are the ones the issue found let in: `a@b..com` as an email; `XX`, `UK`, `EU` as a
nationality; `qq` as a language; `dollars` as a currency; `+34 500 000 000` as a mobile;
`Password1!` as a service password. Then Argon2 rehashing on a successful sign-in, and the security
answers hashed under the old name fold still accepted (and rehashed) after migration 0010.
"""

from __future__ import annotations

import random
import unicodedata

import pytest
from argon2 import PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crm_tui.errors import InvalidInput
from crm_tui.services import operators
from crm_tui.services.identity import authentication
from crm_tui.services.shared import passwords
from crm_tui.services.shared.validation import (
    PLAIN_EMAIL,
    parse_country,
    parse_currency,
    parse_email,
    parse_language,
    parse_mobile,
    parse_phone,
    plain_email,
)
from crm_tui.storage.models.customers import AuthenticationInfo
from crm_tui.storage.models.operators import Operator
from tests.factories import stock_pools
from tests.services.test_registration import REGION, form, register


@pytest.fixture
def stocked(services, admin):
    stock_pools(services, admin)


# --- the rules, one by one ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["a@b..com", "lucia@", "lucia@localhost", "two@@example.com", ".lucia@example.com"])
def test_an_email_that_is_not_one_is_refused_at_its_field(typed):
    with pytest.raises(InvalidInput) as caught:
        parse_email(typed)
    assert caught.value.fields == {"email": "Like name@example.com."}
    assert "not an email address" in caught.value.message


def test_an_email_is_stored_in_one_form_and_international_addresses_pass():
    assert parse_email(" Lucia.Garcia@Example.COM ") == "lucia.garcia@example.com"
    assert parse_email("josé@correo.es") == "josé@correo.es"


@pytest.mark.parametrize(
    "typed, says",
    [("XX", "not a country"), ("UK", "United Kingdom is GB"), ("EU", "not a country"), ("Spain", "two-letter")],
)
def test_a_nationality_must_be_a_real_country(typed, says):
    with pytest.raises(InvalidInput) as caught:
        parse_country(typed, field="nationality")
    assert says in caught.value.message and "nationality" in caught.value.fields


@pytest.mark.parametrize("typed", ["ES", "gb", "MA", "CO", "RO"])
def test_real_countries_pass(typed):
    assert parse_country(typed, field="nationality") == typed.upper()


@pytest.mark.parametrize("typed", ["qq", "xx", "spanish", "es-XX", "e"])
def test_a_language_must_be_an_iso_language(typed):
    with pytest.raises(InvalidInput) as caught:
        parse_language(typed)
    assert "language" in caught.value.fields


@pytest.mark.parametrize(
    "typed, stored", [("es", "es"), ("EN", "en"), ("ca", "ca"), ("ast", "ast"), ("es_es", "es-ES")]
)
def test_real_languages_pass(typed, stored):
    assert parse_language(typed) == stored


@pytest.mark.parametrize("typed", ["dollars", "EURO", "XYZ", "€"])
def test_a_currency_must_be_an_iso_currency(typed):
    with pytest.raises(InvalidInput) as caught:
        parse_currency(typed)
    assert caught.value.fields == {"currency": "An ISO code like EUR."}


def test_real_currencies_pass():
    assert [parse_currency(c) for c in ("eur", "USD", "GBP", "MAD")] == ["EUR", "USD", "GBP", "MAD"]


@pytest.mark.parametrize(
    "typed, says",
    [
        ("+34 500 000 000", "does not exist"),  # possible (nine digits) but no such range
        ("+34 590 000 000", "does not exist"),
        ("+34 912 345 678", "not a mobile"),  # a Madrid landline
        ("12", "not a phone number"),
    ],
)
def test_a_mobile_must_be_a_valid_mobile_number(typed, says):
    with pytest.raises(InvalidInput) as caught:
        parse_mobile(typed, region=REGION)
    assert says in caught.value.message and "mobile" in caught.value.fields


def test_a_service_number_must_be_a_mobile_of_the_operators_country():
    assert parse_mobile("+44 7400 123456", region=REGION) == "447400123456"  # a customer's own UK mobile
    with pytest.raises(InvalidInput) as caught:
        parse_mobile("+44 7400 123456", region=REGION, field="service_number", home_only=True)
    assert caught.value.fields == {"service_number": "A ES mobile number."}
    assert parse_mobile("612 34 56 78", region=REGION, field="service_number", home_only=True) == "34612345678"


def test_a_landline_must_exist_but_may_be_any_kind():
    assert parse_phone("912 345 678", region=REGION) == "34912345678"
    with pytest.raises(InvalidInput):
        parse_phone("+34 500 000 000", region=REGION)


@pytest.mark.parametrize(
    "password, says",
    [
        ("Password1!", "common word"),
        ("P@ssw0rd2024", "common word"),
        ("Barcelona1", "common word"),
        ("qwerty123", "common word"),
        ("Movistar2024!", "common word"),
        ("12345678", "run"),
        ("asdfghjk", "run"),
        ("12051988", "date"),
        ("aaaaaaaaaa", "different characters"),
        ("short1!", "At least 8"),
    ],
)
def test_a_guessable_service_password_is_refused_with_why(password, says):
    assert says in (passwords.service_password_problem(password) or "")


@pytest.mark.parametrize("password", ["Tromp3ta-azul", "Pez-globo-2024", "Largo-secreto-9", "Contraseña/Ñ9-ü"])
def test_passwords_of_several_words_pass(password):
    assert passwords.service_password_problem(password) is None


# --- through registration: the message lands at the field ----------------------------------------


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"email": "a@b..com"}, "email"),
        ({"nationality": "XX"}, "nationality"),
        ({"nationality": "UK"}, "nationality"),
        ({"nationality": "EU"}, "nationality"),
        ({"language": "qq"}, "language"),
        ({"written_language": "qq"}, "written_language"),
        ({"preferences": {"currency": "dollars"}}, "preferences.currency"),
        ({"preferences": {"language": "qq"}}, "preferences.language"),
        ({"mobile": "+34 500 000 000"}, "mobile"),
        ({"service_password": "Password1!"}, "service_password"),
        ({"addresses": [{"detail": "Calle Mayor 1", "country": "EU"}]}, "addresses.1.country"),
    ],
)
def test_registration_refuses_each_at_its_field(services, csr, changes, field):
    with pytest.raises(InvalidInput) as caught:
        register(services, csr, form(**changes))
    assert field in caught.value.fields, caught.value.fields


def test_registration_takes_the_good_values(services, csr):
    done = register(
        services,
        csr,
        form(
            nationality="gb", language="en", preferences={"currency": "GBP", "language": "en"}, mobile="+44 7400 123456"
        ),
    )
    assert done.customer_id


# --- Argon2: old parameters are replaced on a successful sign-in ---------------------------------

OLD = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


def test_an_operator_hash_with_old_parameters_is_replaced_at_sign_in(services, admin):
    with services.writer() as uow:
        operator = uow.session.execute(select(Operator).where(Operator.username == "admin")).scalar_one()
        operator.password_hash = OLD.hash("correct horse battery")
        uow.commit()
    operators.sign_in("admin", "correct horse battery", uow=services.writer())
    with services.reader() as uow:
        stored = uow.session.execute(select(Operator.password_hash).where(Operator.username == "admin")).scalar_one()
    assert not passwords.HASHER.check_needs_rehash(stored) and passwords.verify_secret(stored, "correct horse battery")
    operators.sign_in("admin", "correct horse battery", uow=services.writer())  # and the new hash works


def test_a_wrong_password_never_rehashes(services, admin):
    old = OLD.hash("correct horse battery")
    with services.writer() as uow:
        uow.session.execute(select(Operator).where(Operator.username == "admin")).scalar_one().password_hash = old
        uow.commit()
    with pytest.raises(Exception):  # noqa: B017 - SignInFailed; what matters is the hash below
        operators.sign_in("admin", "wrong horse battery", uow=services.writer())
    with services.reader() as uow:
        assert (
            uow.session.execute(select(Operator.password_hash).where(Operator.username == "admin")).scalar_one() == old
        )


def test_a_service_password_with_old_parameters_is_replaced_on_authentication(services, csr, stocked):
    done = register(services, csr, form(service_number="600 000 001", primary_offering="MAR-POST-4G-25"))
    with services.writer() as uow:
        info = uow.session.execute(select(AuthenticationInfo)).scalar_one()
        info.service_password_hash = OLD.hash("Tromp3ta-azul")
        uow.commit()
    authentication.authenticate_customer(
        "600 000 001", "Tromp3ta-azul", uow=services.writer(), actor=csr, region=REGION
    )
    with services.reader() as uow:
        info = uow.session.execute(select(AuthenticationInfo)).scalar_one()
    assert done.customer_id and not passwords.HASHER.check_needs_rehash(info.service_password_hash)


def test_a_security_answer_folded_the_old_way_still_opens_and_is_refolded(services, csr, stocked):
    register(services, csr, form(service_number="600 000 001", primary_offering="MAR-POST-4G-25"))
    before_0010 = "".join(c for c in unicodedata.normalize("NFKD", "Łódź") if not unicodedata.combining(c)).casefold()
    assert before_0010 == "łodz"  # the old fold left the Ł
    with services.writer() as uow:
        info = uow.session.execute(select(AuthenticationInfo)).scalar_one()
        info.security_answer_hash = passwords.hash_secret(before_0010)
        uow.commit()
    authentication.reset_service_password(
        "600 000 001", "Łódź", "Nuevo-barco-azul", uow=services.writer(), actor=csr, region=REGION
    )
    with services.reader() as uow:
        info = uow.session.execute(select(AuthenticationInfo)).scalar_one()
    assert passwords.verify_secret(info.security_answer_hash, "lodz")  # now stored in the new fold


def test_a_reset_to_a_guessable_password_is_refused(services, csr, stocked):
    register(services, csr, form(service_number="600 000 001", primary_offering="MAR-POST-4G-25"))
    with pytest.raises(InvalidInput) as caught:
        authentication.reset_service_password(
            "600 000 001", "Canela", "Password1!", uow=services.writer(), actor=csr, region=REGION
        )
    assert "common word" in caught.value.fields["service_password"]


def test_the_imsi_check_answers_as_python_stdnum_does_for_every_country_code():
    """`is_imsi` asks stdnum's numbering database once per mobile country code; for each of the 1,000
    codes, with network codes and lengths around the edges, it answers what `stdnum.imsi.is_valid` does."""
    from stdnum import imsi as stdnum_imsi

    from crm_tui.services.shared.validation import is_imsi

    rng = random.Random(20)
    tried = 0
    for mcc in range(1000):
        for _ in range(3):
            for length in (13, 14, 15, 16):
                number = f"{mcc:03d}" + "".join(rng.choice("0123456789") for _ in range(length - 3))
                assert is_imsi(number) == stdnum_imsi.is_valid(number), number
                tried += 1
    for odd in ("", "21407000000000a", "214-07-0000000001", " 214070000000001", "２１４０７００００００００００１"):
        assert is_imsi(odd) == stdnum_imsi.is_valid(odd), odd
    assert tried == 12_000 and is_imsi("214070000000001")


@settings(max_examples=400, deadline=None)
@given(st.from_regex(PLAIN_EMAIL, fullmatch=True))
def test_a_plain_address_is_stored_as_its_lower_case_whenever_email_validator_accepts_it(address):
    """What lets a lookup skip email-validator for a plain address: its quick form is the stored form."""
    try:
        stored = parse_email(address)
    except InvalidInput:
        return  # refused in full; a lookup checks it in full when nothing matches (test_search.py)
    assert plain_email(address) == stored


@pytest.mark.parametrize(
    "address", ["ana@-example.com", "ana@example.123", "ana@exam-.com", "ana@example.invalid", "Ana@Example.COM-"]
)
def test_plain_looking_addresses_the_validator_refuses(address):
    assert plain_email(address) == address.lower()  # looked up as typed ...
    with pytest.raises(InvalidInput):
        parse_email(address)  # ... and refused in full when nothing matches
