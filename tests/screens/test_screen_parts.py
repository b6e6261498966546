"""What the screens work out without widgets, tested without a terminal: where the registration
service's field errors land on the form, and the words of the supervisor queues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_tui.screens.queues_parts import age, detail, heading, reference
from crm_tui.screens.registration_parts import file_size, registration_form, screen_errors
from crm_tui.services.identity.registration_form import AddressInput, RegistrationForm
from crm_tui.services.queues import QueueItemView, QueueSummary

NOW = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)


def test_row_errors_land_on_their_row_and_name_the_column():
    placed = screen_errors({"contacts.1.value": "Not a mobile number."}, RegistrationForm(), attachments=[])
    assert placed.messages == {"contacts": "Row 2, Value: Not a mobile number."}
    assert placed.rows == {"contacts": 1}


def test_the_living_address_comes_first_and_the_id_address_last_among_the_addresses():
    form = RegistrationForm(
        address="Calle Mayor 1", id_address="Calle Real 2", addresses=[AddressInput(detail="Gran Via 3")]
    )
    errors = {
        "addresses.0.postal_code": "Five digits.",
        "addresses.1.detail": "Too long.",
        "addresses.2.detail": "Unreadable.",
    }
    placed = screen_errors(errors, form, attachments=[])
    assert placed.messages == {
        "postal_code": "Five digits.",
        "addresses": "Row 1, Detailed Address: Too long.",
        "id_address": "Unreadable.",
    }
    assert placed.rows == {"addresses": 0}


def test_preferences_attachments_and_social_accounts_map_to_their_fields():
    errors = {
        "preferences.dnd_end": "HH:MM.",
        "attachments.0": "Not a PDF.",
        "social_accounts.0.subject": "Required.",
        "email": "Not an email.",
    }
    placed = screen_errors(errors, RegistrationForm(), attachments=[{"filename": "dni.txt"}])
    assert placed.messages == {
        "dnd_end": "HH:MM.",
        "attachments": "dni.txt: Not a PDF.",
        "social_subject": "Required.",
        "email": "Not an email.",
    }


def test_an_organization_sends_no_person_fields_and_a_social_account_only_when_given():
    values = {"customer_type": "organization", "organization_name": "Acme SL", "first_name": "Ana"}
    form = registration_form(
        lambda name: values.get(name, ""), different_from=["C1"], contacts=[], addresses=[], attachments=[]
    )
    assert (form.type, form.organization_name, form.first_name) == ("organization", "Acme SL", "")
    assert form.confirmed_different_from == ["C1"]
    assert form.social_accounts == []


def test_file_sizes_in_the_biggest_sensible_unit():
    assert [file_size(n) for n in (812, 1536, 3_355_443)] == ["812 B", "1.5 KB", "3.2 MB"]


def test_queue_words():
    item = QueueItemView(
        item_id=7,
        queue="duplicates",
        ref_type="duplicate",
        ref_id="3",
        status="open",
        reason="Same birthday and surname",
        claimed_by="sup1",
        created_at=NOW - timedelta(hours=3),
        version=1,
        payload={"agree": ["birthday", "last_name"], "differ": ["email"]},
    )
    assert [age(NOW - delta, NOW) for delta in (timedelta(0), timedelta(minutes=12), timedelta(days=3))] == [
        "just now",
        "12 min",
        "3 d",
    ]
    assert reference(item) == "Pair 3"
    assert detail(item, filter_text="").splitlines()[1:] == [
        "Same birthday and surname",
        "Held by sup1: only they can act on it.",
        "Agree: birthday, last_name · Differ: email",
    ]
    assert detail(None, filter_text="x") == "No item matches the filter."
    summary = QueueSummary(queue="duplicates", label="Possible duplicates", open=1, oldest=NOW, actions=[])
    assert heading(summary, shown=1, sort="newest", filter_text="Pair").startswith(
        "Possible duplicates · 1 shown · newest first · filter “Pair” · keys: "
    )
