"""The blocking rule for people without a birthday (legacy records imported incomplete, issue 14).

Every other rule but the address, contact and name-and-area ones needs a birthday, so an undated
copy whose postcode or street was mistyped never reached scoring. The undated rule puts such a
record beside anyone sharing a town or postcode and a name code (or a name's first three letters),
or a town and a street; the pairs it adds always have an undated side, and a base with no undated
record builds nothing for it."""

from __future__ import annotations

from datetime import date

from crm_tui.services.customers.linkage import make_person
from crm_tui.services.dedupe.blocking import Records, rules_of_pair

TODAY = date(2026, 12, 3)


def _person(first, last, birthday=None, postcode="28001", town="Madrid", street="Calle Mayor 5", phone=None):
    return make_person(
        first_name=first,
        last_name=last,
        birthday=birthday,
        contacts=[phone] if phone else [],
        addresses=[(street, postcode, town, "Madrid")],
        today=TODAY,
    )


def _pairs(people, max_block=60):
    records = Records(max_block)
    for pk, person in enumerate(people, 1):
        records.add(pk, person)
    codes, _skipped = records.candidate_pairs()
    n = len(people)
    return {divmod(code, n) for code in codes}


def test_an_undated_copy_with_a_mistyped_postcode_and_street_reaches_scoring():
    dated = _person("Caitlin", "Goode", date(1980, 5, 4), postcode="28048", street="Calle Yuranigh 3")
    undated = _person("Caitlin", "Goode", None, postcode="82048", street="Calle Yuranig h 3")
    others = [_person(f"Persona{k}", f"Distinta{k}", date(1970, 1, 1 + k), postcode=f"0{k}100") for k in range(5)]
    assert (0, 1) in _pairs([dated, undated, *others])
    assert "undated" in rules_of_pair(dated, undated)


def test_without_the_undated_side_the_same_two_never_meet():
    """The same two people, both dated with different birthdays: no rule puts them forward (the
    undated rule is not a looser rule for everyone). Another house number, as the same one with
    the first name and town now meets by the house-number rule (below)."""
    a = _person("Caitlin", "Goode", date(1980, 5, 4), postcode="28048", street="Calle Yuranigh 3")
    b = _person("Caitlin", "Goode", date(1991, 8, 9), postcode="82048", street="Calle Yuranig h 30")
    assert _pairs([a, b]) == set()
    assert "undated" not in rules_of_pair(a, b)


def test_two_undated_records_of_one_person_meet_by_town_and_a_name_code():
    a = _person("Fergus", "Campbell", None, postcode="08001", town="Sabadell", street="Calle Medley 1")
    b = _person("Fergus", "Campbejll", None, postcode="08069", town="Sabadell", street="Calle Medley 10")
    assert _pairs([a, b]) == {(0, 1)}
    assert rules_of_pair(a, b) == {"undated"}


def test_every_pair_it_adds_has_an_undated_side():
    people = [_person("Ana", "García", date(1980 + k % 3, 1, 1 + k), postcode="28001") for k in range(12)]
    people.append(_person("Ana", "García", None, postcode="28001"))
    undated = len(people) - 1
    pairs = _pairs(people)
    dated_pairs_before = _pairs(people[:-1])
    assert {p for p in pairs if undated not in p} == dated_pairs_before
    assert {(i, undated) for i in range(undated)} <= pairs


def test_a_crowded_loose_block_gives_no_pairs():
    """Seventy Ana Garcías in one postcode and an undated one: the loose blocks are over max_block
    and skipped, as every other block is, so a common name does not flood the scoring."""
    people = [_person("Ana", "García", date(1950, 1, 1) if k else None, postcode="28001") for k in range(70)]
    # dated ones with the same birthday meet by their own rules; what the undated one adds is nothing
    assert not any(0 in pair for pair in _pairs(people, max_block=60))


def test_a_base_without_undated_records_builds_nothing_for_them():
    people = [_person(f"N{k}", f"S{k}", date(1960, 1, 1 + k)) for k in range(10)]
    records = Records()
    for pk, person in enumerate(people, 1):
        records.add(pk, person)
    assert records.undated == {}


def test_organizations_are_not_undated_people():
    company = make_person(kind="organization", organization_name="Talleres Goode SL", today=TODAY)
    records = Records()
    records.add(1, company)
    assert records.undated == {}


# --- the house-number rules (febrl2's pairs with two of names and birthday replaced) -------------


def test_both_names_replaced_meet_by_birthday_and_house_number():
    """FEBRL replaced the first name and surname and mistyped the postcode: the birthday and the
    house number are what the two records still share."""
    a = _person("Stephanie", "Wielcoh", date(1918, 8, 22), postcode="3224", street="Medical Centre 42")
    b = _person("Edward", "Selmlann", date(1918, 8, 22), postcode="2324", street="Medical C Entre 42")
    assert "birthday+number" in rules_of_pair(a, b)
    assert (0, 1) in _pairs([a, b])


def test_surname_and_birthday_replaced_meet_by_number_first_name_and_postcode():
    a = _person("Kirra", "Gaskin", date(1990, 11, 11), postcode="4034", town="Auburn", street="Lawley Street 15")
    b = _person("Kirra", "Stubbs", date(1909, 11, 11), postcode="4034", town="Auburn", street="Dampier Crescent 15")
    assert rules_of_pair(a, b) == {"number+first name+place"}
    assert _pairs([a, b]) == {(0, 1)}


def test_a_mistyped_postcode_meets_by_number_first_name_town_and_surname_initial():
    a = _person("Lucy", "Webl", date(1991, 2, 23), postcode="2288", town="Moe", street="Tenison Wodos Circuit 10")
    b = _person("Lucy", "Webb", date(1966, 4, 12), postcode="2189", town="Moe", street="Tenison Woods Circuit 10")
    # and, since the street's word became a key, by the street's word, number, first name and region
    assert rules_of_pair(a, b) == {"number+first name+place", "street word+number+name+region"}


def test_sharing_a_postcode_and_a_first_name_at_another_number_is_not_enough():
    """Neighbours of one first name in one postcode, another house number, surname and birthday:
    the house-number rules do not put them forward."""
    a = _person("Kirra", "Gaskin", date(1990, 11, 11), postcode="4034", street="Lawley Street 15")
    b = _person("Kirra", "Stubbs", date(1909, 11, 11), postcode="4034", street="Lawley Street 17")
    c = _person("Ana", "Stubbs", date(1990, 11, 11), postcode="4034", street="Dampier Crescent 3")
    assert not {"birthday+number", "number+first name+place"} & rules_of_pair(a, c)
    assert not {"birthday+number", "number+first name+place"} & rules_of_pair(a, b)
    assert "postcode+street" in rules_of_pair(a, b)  # the same street in the postcode still meets, as before
