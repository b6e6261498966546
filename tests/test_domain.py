"""The domain's words: every member of every Labelled enum has its English label written out."""

from __future__ import annotations

from crm_tui import domain


def _labelled_enums() -> list[type[domain.Labelled]]:
    return [
        value
        for value in vars(domain).values()
        if isinstance(value, type) and issubclass(value, domain.Labelled) and value is not domain.Labelled
    ]


def test_every_member_has_a_label_the_catalogue_can_see():
    """A label derived from the slug at run time would never reach the translators (pybabel cannot see it)."""
    missing = [
        f"{enum.__name__}.{member.name}"
        for enum in _labelled_enums()
        for member in enum
        if member.value not in domain._LABELS
    ]
    assert missing == []


def test_a_label_is_the_english_words_of_its_slug():
    assert domain.CertType.NATIONAL_ID.label == "National ID"
    assert domain.NumberState.IN_USE.label == "In use"
    assert domain.Role.choices() == [("CSR", "csr"), ("Supervisor", "supervisor"), ("Admin", "admin")]
