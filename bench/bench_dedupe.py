"""The de-duplication benchmark of issue 4: quality of the duplicate scan against ground truth the
bench makes itself, and speed of the scan and of the registration near-match check at scale.

Run on purpose, not in pytest:

    .venv/bin/python bench/bench_dedupe.py quality --customers 20000 --copies 1000
    .venv/bin/python bench/bench_dedupe.py speed --db /tmp/crm1m.db --customers 1000000

quality: seeds N customers into a temporary SQLite file, adds corrupted copies of a random sample
(typos, swapped first and last names, nicknames, missing fields, transposed certificate digits,
other address formatting), scans, and reports precision, recall and F1 at the default threshold
(the truth is the original+copy pairs; every other pair reported is a false positive). Hard
negatives are added too: twins (same surnames, birthday and address), parents and children (same
surnames and address, often the same first name and phone) and namesakes (same name, another
birthday), each with their own DNI.

speed: a full scan of the database at --db (seeded once with --customers if the file does not
exist, then reused) for each --workers count (default 1,0: one process, then one per core; each on
a fresh copy of the file), and the registration near-match check (`check_identity`) p50,
each beside a bare sqlite3 baseline measured in the same run. Results also go to
bench/results/dedupe-<date>.json (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from stdnum.es import dni as es_dni

from crm_tui.config import Settings
from crm_tui.domain import Role
from crm_tui.services import bootstrap
from crm_tui.services.context import Services
from crm_tui.services.customers.linkage_model import shipped_model
from crm_tui.services.customers.linkage_store import current_model
from crm_tui.services.customers.matching import certificate_neighbours, nicknames
from crm_tui.services.dedupe import blocking, parallel, training
from crm_tui.services.dedupe import scan as dedupe_scan
from crm_tui.services.identity.near_matches import check_identity
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.services.shared.validation import customer_id_for, normalize_name
from crm_tui.services.shared.views import Actor
from crm_tui.storage.models.customers import Address, Certificate, Customer
from crm_tui.storage.seed import seed_database
from crm_tui.storage.sequences import next_number

ROOT = Path(__file__).resolve().parent
ACTOR = Actor(id=0, username="bench", display_name="Bench", role=Role.ADMIN, shop="")
TODAY = date(2026, 11, 26)
KINDS = ("typo", "swap", "nickname", "missing", "transposed", "address", "birthday", "moved")
REPORTED_KINDS = (*KINDS, "renewed")
ABBREVIATIONS = {
    "calle": "C/",
    "avenida": "Avda.",
    "plaza": "Pza.",
    "paseo": "Pº",
    "carretera": "Ctra.",
    "urbanización": "Urb.",
}


def say(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


def open_services(path: Path) -> Services:
    return bootstrap.open_services(Settings(database_url=f"sqlite:///{path}", data_dir=path.parent))


def seed(services: Services, customers: int) -> float:
    started = time.perf_counter()
    seed_database(
        services.database,
        customers=customers,
        seed=42,
        progress=lambda done: done % 100_000 == 0 and say(f"  seeded {done:,}"),
    )
    return time.perf_counter() - started


# --- corrupted copies ---------------------------------------------------------------------------


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word + rng.choice("aeiou")
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(("delete", "swap", "replace", "double"))
    if op == "delete":
        return word[:i] + word[i + 1 :]
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "replace":
        return word[:i] + rng.choice("aeioulnrst".replace(word[i].lower(), "")) + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _typo_in(name: str, rng: random.Random) -> str:
    words = name.split(" ")
    k = rng.randrange(len(words))
    words[k] = _typo(words[k], rng)
    return " ".join(words)


def _reformat_address(detail: str, rng: random.Random) -> str:
    words = detail.replace(",", " ").split()
    first = words[0].lower() if words else ""
    if first in ABBREVIATIONS and rng.random() < 0.7:
        words[0] = ABBREVIATIONS[first]
    words = [w for w in words if w.lower() not in ("de", "del", "la")] if rng.random() < 0.5 else words
    out = " ".join(words)
    if rng.random() < 0.5:
        out = out.replace("º ", "").replace("º", "")
    if rng.random() < 0.4:
        out = out.upper()
    if rng.random() < 0.3:
        parts = out.split(" ")
        for i, part in enumerate(parts):
            if part.isdigit():
                parts[i] = "nº " + part
                break
        out = " ".join(parts)
    return out


def _transpose(number: str, rng: random.Random) -> str | None:
    spots = [
        i
        for i in range(len(number) - 1)
        if number[i].isdigit() and number[i + 1].isdigit() and number[i] != number[i + 1]
    ]
    if not spots:
        return None
    i = rng.choice(spots)
    return number[:i] + number[i + 1] + number[i] + number[i + 2 :]


def corrupt(
    original: dict[str, Any],
    rng: random.Random,
    nick_for: dict[str, list[str]],
    renewed: float = 0.0,
    elsewhere: list[Any] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """A copy of the original with 1-3 corruptions; returns the copy and the kinds applied.

    With probability `renewed` (a person) the copy's document is a renewed passport: a new number
    unrelated to the original's, so only the personal data can link the two."""
    copy = {**original, "addresses": list(original["addresses"])}
    person = original["type"] == "individual"
    first_token = (original["first_name"] or "").split(" ")[0]
    possible = [k for k in KINDS if person or k not in ("swap", "nickname")]
    if "nickname" in possible and normalize_name(first_token) not in nick_for:
        possible.remove("nickname")
    if not original["addresses"]:
        possible.remove("address")
    if not person or not original["birthday"]:
        possible.remove("birthday")
    if not elsewhere:
        possible.remove("moved")
    kinds = rng.sample(possible, min(len(possible), rng.choices((1, 2, 3), (30, 50, 20))[0]))
    for kind in kinds:
        if kind == "typo":
            if person and rng.random() < 0.5:
                copy["first_name"] = _typo_in(copy["first_name"], rng)
            elif person:
                copy["last_name"] = _typo_in(copy["last_name"], rng)
            else:
                copy["organization_name"] = _typo_in(copy["organization_name"], rng)
        elif kind == "swap":
            copy["first_name"], copy["last_name"] = copy["last_name"], copy["first_name"]
        elif kind == "nickname":
            nick = rng.choice(nick_for[normalize_name(first_token)]).title()
            copy["first_name"] = " ".join([nick, *copy["first_name"].split(" ")[1:]])
        elif kind == "missing":
            fields = ["birthday", "contacts", "address"] if person else ["contacts", "address"]
            for gone in rng.sample(fields, rng.choice((1, 1, 2))):
                if gone == "birthday":
                    copy["birthday"] = None
                elif gone == "contacts" and rng.random() < 0.5:
                    copy["email"] = copy["mobile"] = None
                elif gone == "contacts":  # a new phone and email since
                    copy["email"] = f"new{rng.randrange(10**9)}@example.net"
                    copy["mobile"] = f"347{rng.randrange(10**8):08d}"
                else:
                    copy["addresses"] = []
        elif kind == "birthday" and copy["birthday"]:  # day and month swapped, or one digit mistyped
            born = copy["birthday"]
            if born.day <= 12 and born.day != born.month and rng.random() < 0.5:
                copy["birthday"] = born.replace(month=born.day, day=born.month)
            else:
                copy["birthday"] = rng.choice(
                    [born.replace(day=d) for d in range(1, 29) if abs(d - born.day) in (1, 10)]
                    + [born.replace(year=born.year + rng.choice((-1, 1)))]
                )
        elif kind == "moved":  # someone else's address: the person moved
            copy["addresses"] = [rng.choice(elsewhere)]  # type: ignore[arg-type]
        elif kind == "address":
            copy["addresses"] = [
                (t, region, city, _reformat_address(detail, rng), postal)
                for t, region, city, detail, postal in copy["addresses"]
            ]
    number = _transpose(original["cert_number"], rng) if "transposed" in kinds else None
    if person and rng.random() < renewed:
        kinds = [k for k in kinds if k != "transposed"] + ["renewed"]
        copy["cert_type"], copy["cert_country"] = "passport", original["nationality"] or "ES"
        copy["cert_number"] = chr(65 + rng.randrange(26)) + chr(65 + rng.randrange(26)) + f"{rng.randrange(10**7):07d}"
        return copy, kinds
    if number:
        copy["cert_number"] = number
    elif rng.random() < 0.2 or not person:  # a dropped character (a company has one registration number)
        i = rng.randrange(len(original["cert_number"]))
        copy["cert_number"] = original["cert_number"][:i] + original["cert_number"][i + 1 :]
    else:  # registered with another document
        copy["cert_type"], copy["cert_country"] = (
            ("passport", original["nationality"] or "ES") if person else ("tax_id", "ES")
        )
        copy["cert_number"] = f"Q{rng.randrange(10**8):08d}"
    if "transposed" in kinds and not number:
        kinds.remove("transposed")
    return copy, kinds


def relative(
    original: dict[str, Any], rng: random.Random, first_names: list[str], taken: set[str]
) -> tuple[dict[str, Any], str]:
    """A hard negative: a twin, a parent or child (often with the same first name), or a namesake.

    Each has their own document of the original's kind (DNI, NIE or passport) and no email.
    """
    kind = rng.choices(("twin", "parent", "namesake"), (20, 40, 40))[0]
    number = original["cert_number"]
    while number in taken:
        if original["cert_type"] == "national_id":
            body = f"{rng.randrange(10**8):08d}"
            number = body + es_dni.calc_check_digit(body)
        elif original["cert_type"] == "residence_permit":
            number = "Y" + f"{rng.randrange(10**7):07d}" + rng.choice("TRWAGMYFPDXBNJZSQVHLCKE")
        else:
            number = chr(65 + rng.randrange(26)) + chr(65 + rng.randrange(26)) + f"{rng.randrange(10**7):07d}"
    taken.add(number)
    other = {**original, "cert_number": number, "email": None, "mobile": None}
    born = original["birthday"] or date(1980, 1, 1)
    if kind == "twin":
        other["first_name"] = rng.choice([f for f in first_names if f != original["first_name"]])
    elif kind == "parent":
        if rng.random() < 0.5:
            other["first_name"] = rng.choice(first_names)
        other["mobile"] = original["mobile"] if rng.random() < 0.5 else None
        other["birthday"] = date(
            born.year + rng.randint(20, 35) * rng.choice((-1, 1)), rng.randint(1, 12), rng.randint(1, 28)
        )
    else:
        other["birthday"] = date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28))
        other["addresses"] = []
    return other, kind


def load_originals(services: Services, sample: int, rng: random.Random) -> list[dict[str, Any]]:
    with services.reader() as uow:
        session = uow.session
        pks = list(session.execute(select(Customer.id)).scalars())
        chosen = sorted(rng.sample(pks, min(sample, len(pks))))
        out = []
        for start in range(0, len(chosen), 500):
            chunk = chosen[start : start + 500]
            customers = session.execute(select(Customer).where(Customer.id.in_(chunk))).scalars().all()
            certs = {
                c.customer_id: c
                for c in session.execute(select(Certificate).where(Certificate.customer_id.in_(chunk))).scalars()
            }
            addresses: dict[int, list] = {}
            for a in session.execute(select(Address).where(Address.customer_id.in_(chunk))).scalars():
                addresses.setdefault(a.customer_id, []).append(
                    (a.address_type, a.region, a.city, a.detail, a.postal_code)
                )
            for c in customers:
                cert = certs[c.id]
                out.append(
                    {
                        "pk": c.id,
                        "type": c.type,
                        "first_name": c.first_name,
                        "last_name": c.last_name,
                        "organization_name": c.organization_name,
                        "nationality": c.nationality,
                        "birthday": c.birthday,
                        "email": c.email,
                        "mobile": c.mobile,
                        "gender": c.gender,
                        "cert_type": cert.cert_type,
                        "cert_number": cert.cert_number,
                        "cert_country": cert.cert_country,
                        "addresses": addresses.get(c.id, []),
                    }
                )
    return out


def insert_copies(services: Services, copies: list[dict[str, Any]]) -> list[int]:
    pks = []
    with services.writer() as uow:
        session = uow.session
        for copy in copies:
            if copy["type"] == "individual":
                display = f"{copy['first_name']} {copy['last_name']}"
            else:
                display = copy["organization_name"]
            customer = Customer(
                customer_id=customer_id_for(next_number(session, "customer_number")),
                type=copy["type"],
                status="idle",
                first_name=copy["first_name"],
                last_name=copy["last_name"],
                organization_name=copy["organization_name"],
                display_name=display,
                name_search=normalize_name(display),
                gender=copy["gender"],
                nationality=copy["nationality"],
                birthday=copy["birthday"],
                email=copy["email"],
                mobile=copy["mobile"],
            )
            session.add(customer)
            session.flush()
            session.add(
                Certificate(
                    customer_id=customer.id,
                    cert_type=copy["cert_type"],
                    cert_number=copy["cert_number"],
                    cert_country=copy["cert_country"],
                )
            )
            for address_type, region, city, detail, postal in copy["addresses"]:
                session.add(
                    Address(
                        customer_id=customer.id,
                        address_type=address_type,
                        region=region,
                        city=city,
                        detail=detail,
                        postal_code=postal,
                        country="ES",
                    )
                )
            pks.append(customer.id)
        uow.commit()
    return pks


def scores(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict[str, Any]:
    tp, fp, fn = len(found & truth), len(found - truth), len(truth - found)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "reported": len(found),
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def read_base(services: Services) -> tuple[blocking.Records, dict[int, int]]:
    """Every live customer as the scan reads them, and pk -> index."""
    records = blocking.Records()
    with services.reader() as uow:
        for row in blocking.customer_rows(uow):
            records.add(row[0], blocking.person_of(row, TODAY))
    return records, {pk: i for i, pk in enumerate(records.pks)}


def blocking_report(records: blocking.Records, index: dict[int, int], truth: set[tuple[int, int]]) -> dict[str, Any]:
    """Pair completeness of the blocking alone (the share of true pairs that reach scoring), the
    candidate pairs, and how many true pairs each rule finds."""
    people = records.people
    n = len(records)
    by_rule: Counter[str] = Counter()
    for a, b in truth:
        by_rule.update(blocking.rules_of_pair(people[index[a]], people[index[b]]))
    candidates, skipped = records.candidate_pairs()
    blocked = sum(1 for a, b in truth if min(index[a], index[b]) * n + max(index[a], index[b]) in candidates)
    return {
        "candidate_pairs": len(candidates),
        "skipped_blocks": skipped,
        "true_pairs_blocked": blocked,
        "pair_completeness": round(blocked / len(truth), 4) if truth else None,
        "true_pairs_by_rule": {rule: by_rule[rule] for rule in blocking.RULES},
    }


def quality(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    nick_for: dict[str, list[str]] = {}
    for nick, full in nicknames().items():
        nick_for.setdefault(full, []).append(nick)
    with tempfile.TemporaryDirectory(prefix="bench-dedupe-") as folder:
        path = Path(folder) / "quality.db"
        services = open_services(path)
        say(f"seeding {args.customers:,} customers ...")
        seed(services, args.customers)
        originals = load_originals(services, args.copies, rng)
        elsewhere = [a for o in originals for a in o["addresses"][:1]]
        made = [corrupt(o, rng, nick_for, args.renewed, elsewhere) for o in originals]
        copy_pks = insert_copies(services, [c for c, _ in made])
        truth_kinds = {
            (min(o["pk"], c), max(o["pk"], c)): kinds
            for o, c, (_, kinds) in zip(originals, copy_pks, made, strict=True)
        }
        truth = set(truth_kinds)
        people = [
            o
            for o in load_originals(services, args.customers, random.Random(args.seed + 1))
            if o["type"] == "individual"
        ]
        first_names = sorted({o["first_name"] for o in people})
        taken = {o["cert_number"] for o in people}
        relatives = [relative(o, rng, first_names, taken) for o in rng.sample(people, min(args.relatives, len(people)))]
        relative_pks = insert_copies(services, [r for r, _ in relatives])
        role = {pk: f"relative:{kind}" for pk, (_, kind) in zip(relative_pks, relatives, strict=True)}
        role.update({pk: "copy" for pk in copy_pks})
        relative_kinds = Counter(kind for _, kind in relatives)
        say(
            f"{len(truth):,} corrupted copies ({args.renewed:.0%} with a renewed passport) and {len(relatives):,} relatives and namesakes (not duplicates) added"
        )
        model, trained = shipped_model(), None
        if args.train:
            say("training on this base ...")
            report = training.train_model(services=services, actor=ACTOR, seed=args.seed)
            trained = report.model_dump(mode="json")
            with services.reader() as uow:
                model = current_model(uow)
            if args.save_model:
                Path(args.save_model).write_text(model.to_json() + "\n")
                say(f"model written to {args.save_model}")
        say(f"scanning with model {model.version} ...")
        report = dedupe_scan.scan_duplicates(services=services, actor=ACTOR, model=model)
        with services.reader() as uow:
            pk_of = dict(uow.session.execute(select(Customer.customer_id, Customer.id)).all())
        records, index = read_base(services)
        services.close()
    people_of = records.people
    baseline = None
    if args.baselines:
        import dedupe_public  # the bench extra

        say("plain splink model on the same records ...")
        splink_found, info = dedupe_public.splink_on_people(people_of, list(records.pks), args.seed)
        baseline = {**scores(splink_found, truth), **info}
    found = {
        (min(pk_of[p.customer_id_a], pk_of[p.customer_id_b]), max(pk_of[p.customer_id_a], pk_of[p.customer_id_b]))
        for p in report.pairs
    }
    by_kind = {k: [0, 0] for k in REPORTED_KINDS}
    missed: Counter[str] = Counter()
    for pair, kinds in truth_kinds.items():
        for k in kinds:
            by_kind[k][0] += 1
            by_kind[k][1] += pair in found
        if pair not in found:
            match = model.score(people_of[index[pair[0]]], people_of[index[pair[1]]])
            low = ", ".join(f"{c} {lv}" for c, lv, w in match.parts if w < 0)
            missed[f"{'+'.join(sorted(kinds))}: p {match.probability:.2f}; against: {low}"] += 1
    wrong: Counter[str] = Counter()
    for pair in found - truth:
        match = model.score(people_of[index[pair[0]]], people_of[index[pair[1]]])
        who = " vs ".join(sorted(role.get(pk, "seeded") for pk in pair))
        wrong[f"{who}: agree {','.join(match.agree)}"] += 1
    return {
        "customers": args.customers,
        "copies": len(truth),
        "renewed_share": args.renewed,
        "relatives_and_namesakes": dict(relative_kinds),
        "model": model.version,
        "trained": trained,
        "threshold": model.threshold,
        **scores(found, truth),
        "blocking": blocking_report(records, index, truth),
        "splink_plain_same_records": baseline,
        "recall_by_kind": {k: f"{v[1]}/{v[0]}" for k, v in by_kind.items()},
        "scan": {
            "candidates": report.candidates,
            "compared": report.compared,
            "skipped_blocks": report.skipped_blocks,
            "seconds": report.seconds,
        },
        "missed": dict(missed.most_common(15)),
        "false_positives_by_kind": dict(wrong.most_common(15)),
    }


# --- speed ------------------------------------------------------------------------------------


def bare_read(path: Path) -> float:
    """The floor: the same rows the scan reads, fetched with bare sqlite3 and nothing done with them."""
    connection = sqlite3.connect(path)
    sql = (
        "SELECT c.id, c.name_search, c.birthday, c.email, c.mobile,"
        " (SELECT group_concat(cert_number, char(31)) FROM certificates t WHERE t.customer_id = c.id),"
        " (SELECT group_concat(value_normalized, char(31)) FROM contacts k WHERE k.customer_id = c.id),"
        " (SELECT group_concat(detail, char(31)) FROM addresses a WHERE a.customer_id = c.id)"
        " FROM customers c WHERE c.status NOT IN ('merged', 'erased') ORDER BY c.id"
    )
    started = time.perf_counter()
    cursor = connection.execute(sql)
    while cursor.fetchmany(10_000):
        pass
    connection.close()
    return time.perf_counter() - started


def _new_dni(connection: sqlite3.Connection, rng: random.Random) -> str:
    while True:
        body = f"{rng.randrange(10**8):08d}"
        number = body + es_dni.calc_check_digit(body)
        if connection.execute("SELECT 1 FROM certificates WHERE cert_number = ?", (number,)).fetchone() is None:
            return number


def near_match_check(services: Services, path: Path, probes: int, rng: random.Random) -> dict[str, Any]:
    """check_identity for people already stored under another document, beside bare indexed lookups of the same keys."""
    connection = sqlite3.connect(path)
    top = connection.execute("SELECT max(id) FROM customers").fetchone()[0]
    rows = []
    while len(rows) < probes:
        row = connection.execute(
            "SELECT c.first_name, c.last_name, c.birthday, c.email, c.mobile, c.name_search, a.detail, a.city, a.postal_code, c.gender"
            " FROM customers c LEFT JOIN addresses a ON a.customer_id = c.id WHERE c.id = ? AND c.type = 'individual'",
            (rng.randint(1, top),),
        ).fetchone()
        if row:
            rows.append(row)
    forms, bare_keys = [], []
    for first, last, birthday, email, mobile, name_search, detail, city, postal, gender in rows:
        number = _new_dni(connection, rng)
        forms.append(
            RegistrationForm(
                cert_type="national_id",
                cert_number=number,
                cert_country="ES",
                first_name=first,
                last_name=last,
                gender=gender or "",
                nationality="ES",
                birthday=birthday,
                email=email or "",
                mobile=f"+{mobile}" if mobile else "",
                address=detail or "",
                city=city or "",
                postal_code=postal or "",
                language="es",
                written_language="es",
            )
        )
        bare_keys.append((number, birthday, email, mobile, name_search))
    ours, ours_cpu, bare, found = [], [], [], 0
    for form in forms:  # one warm-up pass: a counter in use has a warm page cache
        check_identity(form, uow=services.reader(), actor=ACTOR, region="ES", today=TODAY)
    for form, (number, birthday, email, mobile, name_search) in zip(forms, bare_keys, strict=True):
        started, cpu = time.perf_counter(), time.process_time()
        check = check_identity(form, uow=services.reader(), actor=ACTOR, region="ES", today=TODAY)
        ours.append((time.perf_counter() - started) * 1000)
        ours_cpu.append((time.process_time() - cpu) * 1000)
        found += bool(check.near_matches)
        variants = sorted(certificate_neighbours(number) | {number})
        started = time.perf_counter()
        ids: set[int] = set()
        ids.update(
            r[0]
            for r in connection.execute(
                f"SELECT customer_id FROM certificates WHERE cert_number IN ({','.join('?' * len(variants))})", variants
            )
        )
        ids.update(r[0] for r in connection.execute("SELECT id FROM customers WHERE birthday = ?", (birthday,)))
        ids.update(
            r[0] for r in connection.execute("SELECT id FROM customers WHERE email = ? OR mobile = ?", (email, mobile))
        )
        ids.update(
            r[0]
            for r in connection.execute(
                "SELECT customer_id FROM contacts WHERE value_normalized IN (?, ?)", (email, mobile)
            )
        )
        ids.update(r[0] for r in connection.execute("SELECT id FROM customers WHERE name_search = ?", (name_search,)))
        bare.append((time.perf_counter() - started) * 1000)
    plan = [
        r[3]
        for r in connection.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM customers WHERE (id IN (SELECT customer_id FROM certificates WHERE cert_number IN ('1'))"
            " OR birthday = '2000-01-01' OR email IN ('a') OR mobile IN ('a') OR id IN (SELECT customer_id FROM contacts WHERE value_normalized IN ('a'))"
            " OR name_search = 'a') AND status NOT IN ('merged', 'erased') LIMIT 200"
        )
    ]
    connection.close()
    return {
        "probes": probes,
        "found_their_original": found,
        "p50_ms": round(statistics.median(ours), 2),
        "p95_ms": round(sorted(ours)[int(0.95 * (len(ours) - 1))], 2),
        "cpu_p50_ms": round(statistics.median(ours_cpu), 2),
        "bare_p50_ms": round(statistics.median(bare), 2),
        "plan": plan,
    }


def speed(args: argparse.Namespace) -> dict[str, Any]:
    path = Path(args.db)
    seeded = None
    if not path.exists():
        say(f"seeding {args.customers:,} customers into {path} (once; reused by later runs) ...")
        services = open_services(path)
        seeded = round(seed(services, args.customers), 1)
        services.close()
    scans: dict[str, Any] = {}
    for workers in args.workers:
        # Each scan on its own copy of the base: none finds another's pairs already stored.
        scratch = path.with_name(f"{path.stem}-scan-{workers}{path.suffix}")
        shutil.copyfile(path, scratch)
        try:  # each in a process of its own: no heap or cache left over from the one before
            done = subprocess.run(
                [sys.executable, __file__, "scan-once", "--db", str(scratch), "--workers", str(workers)],
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            )
            scans[str(workers)] = json.loads(done.stdout.splitlines()[-1])
        finally:
            scratch.unlink()
    if len(scans) > 1:
        first, *rest = scans.values()
        for scan in rest:
            scan["speedup_over_first"] = round(first["seconds"] / scan["seconds"], 2)
    say("bare read ...")
    cpu = time.process_time()
    bare_seconds = bare_read(path)
    bare = {"bare_read_seconds": round(bare_seconds, 1), "bare_read_cpu_seconds": round(time.process_time() - cpu, 1)}
    say("near-match check ...")
    services = open_services(path)
    check = near_match_check(services, path, args.probes, random.Random(args.seed))
    services.close()
    return {"seeded_seconds": seeded, "scan": scans, "bare": bare, "near_match_check": check}


def timed_scan(services: Services, workers: int) -> dict[str, Any]:
    """One full scan with `workers` processes (0: one per core): its stages, CPU and memory."""
    stages: dict[str, float] = {}
    cpu_stages: dict[str, float] = {}
    started, started_cpu = time.perf_counter(), time.process_time()

    def progress(stage: str, done: int, total: int) -> None:
        stages[stage] = time.perf_counter() - started
        cpu_stages[stage] = time.process_time() - started_cpu
        if stage == "read" and done % 200_000 == 0:
            say(f"  read {done:,}/{total:,} customers at {stages[stage]:.0f} s")

    say(f"scanning with workers={workers} ...")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time()
    with open("/proc/loadavg") as f:
        load_before = f.read().split()[0]
    report = dedupe_scan.scan_duplicates(services=services, actor=ACTOR, progress=progress, workers=workers)
    cpu = time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open("/proc/loadavg") as f:
        load_after = f.read().split()[0]
    scoring = stages["score"] - stages["block"]
    scan = {
        "workers": parallel.worker_count(workers),
        "customers": report.customers,
        "candidate_pairs": report.candidates,
        "pairs_scored": report.compared,
        "found": len(report.pairs),
        "new": report.new,
        "skipped_blocks": report.skipped_blocks,
        "seconds": report.seconds,
        "read_seconds": round(stages["read"], 1),
        "read_cpu_seconds": round(cpu_stages["read"], 1),
        "blocking_seconds": round(stages["block"] - stages["read"], 1),
        "scoring_seconds": round(scoring, 1),
        "store_seconds": round(report.seconds - stages["score"], 1),
        "candidate_pairs_per_s": round(report.candidates / report.seconds),
        "pairs_scored_per_s": round(report.compared / scoring) if scoring else None,
        "cpu_seconds": round(cpu, 1),
        "workers_cpu_seconds": round(after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime, 1),
        "load_average_before_after": [load_before, load_after],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "workers_peak_rss_mib": round(after.ru_maxrss / 1024),
    }
    say(f"scan: {scan}")
    return scan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what", nargs="?", choices=("quality", "speed", "both", "public", "scan-once"), default=None
    )  # scan-once: one timed scan of --db with the first --workers count (what speed runs per count)
    parser.add_argument("--public", action="store_true", help="the public mode: FEBRL sets beside splink and ECM")
    parser.add_argument("--sets", default="febrl1,febrl2,febrl4", help="public: which FEBRL sets")
    parser.add_argument(
        "--customers",
        type=int,
        default=None,
        help="quality: seeded customers (20,000); speed: size to seed if --db is missing (1,000,000)",
    )
    parser.add_argument("--copies", type=int, default=1000, help="quality: corrupted copies added")
    parser.add_argument(
        "--relatives",
        type=int,
        default=1000,
        help="quality: twins, parents and children, namesakes added (not duplicates)",
    )
    parser.add_argument("--db", default="/tmp/crm-dedupe-1m.db", help="speed: a seeded SQLite file, reused across runs")
    parser.add_argument("--probes", type=int, default=200, help="speed: near-match checks timed")
    parser.add_argument(
        "--workers",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 0],
        help="speed: the scan's processes, one full scan each on a fresh copy of --db (0: one per core)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--renewed", type=float, default=0.5, help="quality: share of copies with a renewed (unrelated) passport"
    )
    parser.add_argument(
        "--train", action="store_true", help="quality: train the model on the base first (else the shipped model)"
    )
    parser.add_argument("--save-model", default=None, help="quality: write the trained model's JSON here")
    parser.add_argument(
        "--baselines", action="store_true", help="quality: a plain splink model on the same records (bench extra)"
    )
    args = parser.parse_args()
    if args.public:
        args.what = "public"
    if args.what is None:
        parser.error("say what to measure: quality, speed, both or public (--public)")
    if args.what == "scan-once":
        services = open_services(Path(args.db))
        print(json.dumps(timed_scan(services, args.workers[0])))
        services.close()
        return 0
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
    }
    if args.what in ("quality", "both"):
        q_args = argparse.Namespace(**{**vars(args), "customers": args.customers or 20_000})
        results["quality"] = quality(q_args)
        print(json.dumps(results["quality"], indent=2))
    if args.what in ("speed", "both"):
        s_args = argparse.Namespace(**{**vars(args), "customers": args.customers or 1_000_000})
        results["speed"] = speed(s_args)
        print(json.dumps(results["speed"], indent=2))
    if args.what == "public":
        import dedupe_public  # the bench extra (recordlinkage, splink) only for this mode

        results["public"] = {}
        for name in args.sets.split(","):
            results["public"][name] = dedupe_public.run_set(name, args.seed, sys.modules[__name__])
            print(json.dumps({name: results["public"][name]}, indent=2))
    out = ROOT / "results" / f"dedupe-{datetime.now(UTC):%Y-%m-%d-%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    say(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
