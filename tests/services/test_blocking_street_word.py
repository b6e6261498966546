"""The blocking rules of the street's word and the names' first parts (issue 14).

FEBRL's heavier corruptions mistype the street (a letter, a split or merged word), the postcode and
a name together, or replace a first name or a birthday; every earlier rule needed one of those
exact. Each pair below is the shape of true pairs that never reached scoring on FEBRL 2 and 4, and
the rule that now puts it forward; the last test shows that the street's word does not put
strangers on the same street of another postcode together."""

from __future__ import annotations

from datetime import date

import pytest

from crm_tui.services.customers.linkage import make_person
from crm_tui.services.customers.matching import street_word
from crm_tui.services.dedupe.blocking import Records, rules_of_pair

TODAY = date(2026, 12, 5)


def _person(first, last, birthday, street, postcode, town, region="Madrid"):
    return make_person(
        first_name=first,
        last_name=last,
        birthday=birthday,
        addresses=[(street, postcode, town, region)],
        today=TODAY,
    )


def _pairs(people):
    records = Records()
    for pk, person in enumerate(people, 1):
        records.add(pk, person)
    codes, _skipped = records.candidate_pairs()
    return {divmod(code, len(people)) for code in codes}


@pytest.mark.parametrize(
    ("street", "word"),
    [
        ("calle mayor", "mayo"),
        ("paseo castellana", "cast"),
        ("walkercerscent", "walk"),
        ("walker crescent", "walk"),
        ("yuranig h court", "yura"),
        ("calle 5", ""),
        ("", ""),
    ],
)
def test_a_streets_word_is_its_name_not_its_kind(street, word):
    assert street_word(street) == word


@pytest.mark.parametrize(
    ("a", "b", "rule"),
    [
        (  # the street's words run together, the first name and postcode mistyped, no birthday on one side
            ("Juliana", "Matthews", None, "Lamington Street 1261", "2287", "Brighton Sands", "Vic"),
            ("Julinaa", "Matthrws", None, "Lamingtonj Street 1261", "2287", "Cherrybrook", "Vic"),
            "street word+number+postcode",
        ),
        (  # the surname mistyped, the birthday a year off, the postcode transposed, the town mistyped
            ("Oliver", "Webb", date(1922, 4, 9), "Melrose Drive 10", "3078", "South Perth", "Vic"),
            ("Hamish", "Web", date(1920, 4, 9), "Melrose Rdive 10", "3074", "South Erth", "Vic"),
            "street word+number+name+region",
        ),
        (  # another first name and birthday, the house number mistyped: a surname at one street
            ("Lucy", "Morrison", date(1974, 10, 22), "Baracchi Rescent 23", "2156", "Casino", "Vic"),
            ("Sana", "Morrison", date(1960, 4, 9), "Baracchi Cprescent 7", "2156", "Casino", "Vic"),
            "postcode+street word+name",
        ),
        (  # no street on one side, first name and birthday replaced
            ("Jade", "Quast", date(1939, 1, 21), "Hodgkinson Street 4", "6210", "East Ryde", "Vic"),
            ("Lkue", "Quast", date(1976, 3, 28), "4", "6210", "East Ryde", "Vic"),
            "number+surname+postcode",
        ),
        (  # the same name and house number, everything else of the address mistyped
            ("Elizabeth", "Wojciechowski", date(1919, 1, 18), "Walker Crescent 16", "2250", "Winston Hills", "Vic"),
            ("Elizabeth", "Wojciechowski", None, "Walkercerscent 16", "3066", "Winston Jills", "NSW"),
            "number+names",
        ),
        (  # the same birthday, first name and house number replaced, the postcode mistyped
            ("Giovanni", "Wiseman", date(1965, 10, 30), "Jalanga Crescent 81", "4170", "Cooroy", "NSW"),
            ("Isabelle", "Wixeman", date(1965, 10, 30), "Jalanga Ctescent 16", "4107", "Cooro", "NSW"),
            "birthday+street word+region",
        ),
        (  # the same birthday and town, no street on either side
            ("Alissa", "Ryan", date(1942, 4, 5), "20", "2880", "Malvern", "Tas"),
            ("Kyle", "Ryna", date(1942, 4, 5), "33", "2884", "Malvern", "Tas"),
            "birthday+town+surname initial",
        ),
    ],
)
def test_febrls_heavier_corruptions_reach_scoring(a, b, rule):
    one, other = _person(*a), _person(*b)
    assert rule in rules_of_pair(one, other)
    strangers = [
        _person(f"Persona{k}", f"Distinta{k}", date(1970, 1, 1 + k), f"Calle Otra {k}", f"0{k}100", "Lugo", "Galicia")
        for k in range(5)
    ]
    assert (0, 1) in _pairs([one, other, *strangers])


def test_the_streets_word_alone_does_not_pair_strangers():
    """Strangers at the same number of a street of the same name in two towns, or on a street of that
    name in another postcode of one town, are not put forward by the street's word (neighbours on
    one street and postcode are, by the postcode and street: a house number may be mistyped)."""
    a = _person("Marta", "Soler", date(1980, 1, 2), "Calle Mayor 5", "28013", "Madrid")
    b = _person("Jorge", "Prat", date(1975, 6, 7), "Calle Mayor 5", "08002", "Barcelona", "Barcelona")
    c = _person("Irene", "Vidal", date(1991, 3, 4), "Calle Mayor 7", "28045", "Madrid")
    assert _pairs([a, b, c]) == set()
