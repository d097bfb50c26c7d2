"""Linkage of staged records into golden persons, incrementally.

A run takes the staged records not yet linked, scores them with Splink against each other
(dedupe) and against the persons already in the registry (link, blocked on the keys kept in
`GoldenRecord`, so the registry is never re-derived), and then:

- a record scored at or above the automatic threshold with a known person joins that person;
- records linked only among themselves start a new person, built by survivorship (`golden`);
- pairs between the review and the automatic thresholds become `ReviewPair`s for an officer;
- a record that can start no person (no birth date, say) and links to none is held for the next
  run.

Persons keep their ids: records join persons, persons are never rebuilt. The whole run is one
transaction, so an interrupted run leaves nothing behind and is simply run again. The model is
trained once (on the first large batch, or on demand) and kept on the run for later batches.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, JSONField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.audit.services import audit_record
from onewindow.core.bulk import bulk_insert, reserve_ids
from onewindow.core.errors import DomainError
from onewindow.core.ids import uuid7
from onewindow.geo.models import District
from onewindow.registry.generate import ALPHA3
from onewindow.registry.models import (
    DocumentType,
    IdentityDocument,
    NameKey,
    Person,
    PersonStatus,
)
from onewindow.registry.names import person_keys, pinyin_and_latin
from onewindow.registry.services import name_fields, write_name_keys

from .golden import (
    REGISTRY,
    REGISTRY_TRUST,
    Candidate,
    can_start_person,
    provenance_of,
    record_candidates,
    survive,
)
from .linkage import make_linker, prepare_frame
from .mappings import mappings
from .models import (
    BatchStatus,
    GoldenRecord,
    ImportBatch,
    LinkageRun,
    LinkHow,
    Origin,
    PairStatus,
    RecordLink,
    ReviewPair,
    RunStatus,
    StagedRecord,
)
from .record_linkage import _keys, derive, onewindow_settings, train_onewindow

Progress = Callable[[str], None]

STAGED_COLUMNS = (
    "zh_name",
    "family_name",
    "given_name",
    "latin_family_name",
    "latin_given_name",
    "sex",
    "birth_date",
    "nationality",
    "resident_id",
    "passport_number",
    "hukou_place",
    "district",
)
KEY_COLUMNS = (
    "zh_simplified",
    "name_key",
    "name_key_swapped",
    "latin_key",
    "latin_key_swapped",
    "birth_ymd",
    "sex",
    "nationality",
    "resident_id",
    "passport_number",
    "district",
)
TRAIN_MIN_RECORDS = 2000  # a smaller first batch is scored by the shipped model
TRAIN_SAMPLE = 300_000
CHUNK = 5000


def _rows(sql: str, params: Sequence[Any] = ()) -> Iterable[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK):
            yield from chunk


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _datetime(value: Any) -> dt.datetime:
    """A timestamp read by raw SQL, always aware (SQLite gives naive UTC or text)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# ---------------------------------------------------------------------------------------------
# Reading


def pending_records() -> pl.DataFrame:
    """Staged records of finished imports not linked yet, with their source and import time."""
    join = f"LEFT JOIN {_q(RecordLink._meta.db_table)} l ON l.record_id = s.id"
    sql = _staged_sql("", join, "l.record_id IS NULL AND b.status = %s") + " ORDER BY s.id"
    rows = [
        (r[0], r[1], _datetime(r[2]), *(("" if v is None else str(v)) for v in r[3:]))
        for r in _rows(sql, [BatchStatus.DONE])
    ]
    schema = {"id": pl.Int64, "source": pl.String, "seen": pl.Datetime("us", "UTC")}
    schema |= dict.fromkeys(STAGED_COLUMNS, pl.String)
    return pl.DataFrame(rows, schema=schema, orient="row")


def golden_frame() -> pl.DataFrame:
    """The linkage keys of every person still in the registry (merged persons excluded)."""
    golden, person = _q(GoldenRecord._meta.db_table), _q(Person._meta.db_table)
    columns = ", ".join(f"g.{c}" for c in KEY_COLUMNS)
    sql = (
        f"SELECT g.person_id, {columns} FROM {golden} g JOIN {person} p "  # noqa: S608
        "ON p.id = g.person_id WHERE p.status != %s"
    )
    schema = {"person_id": pl.Int64} | dict.fromkeys(KEY_COLUMNS, pl.String)
    rows = list(_rows(sql, [PersonStatus.MERGED]))
    return pl.DataFrame(rows, schema=schema, orient="row")


# ---------------------------------------------------------------------------------------------
# The registry's own persons as golden records


def _documents(person_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = defaultdict(dict)
    docs = IdentityDocument.objects.filter(
        person_id__in=person_ids, doc_type__in=[DocumentType.RESIDENT_ID, DocumentType.PASSPORT]
    ).order_by("-issue_date", "-id")
    for person_id, doc_type, number in docs.values_list("person_id", "doc_type", "number"):
        field = "resident_id" if doc_type == DocumentType.RESIDENT_ID else "passport_number"
        out[person_id].setdefault(field, number)
    return out


def _person_row(person: Person, docs: dict[str, str], district: str) -> dict[str, Any]:
    return {
        "zh_name": person.zh_name,
        "family_name": person.family_name,
        "given_name": person.given_name,
        "latin_family_name": person.latin_family_name,
        "latin_given_name": person.latin_given_name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "nationality": person.nationality,
        "hukou_place": person.hukou_place,
        "district": district,
        "resident_id": docs.get("resident_id", ""),
        "passport_number": docs.get("passport_number", ""),
    }


def _key_values(row: dict[str, Any]) -> dict[str, str]:
    keys = _keys({**row, "birth_date": str(row.get("birth_date") or "")})
    out = {k: (keys.get(k) or "") for k in KEY_COLUMNS if k in keys}
    for field in ("sex", "nationality", "resident_id", "passport_number", "district"):
        out[field] = str(row.get(field) or "")
    return {k: out.get(k, "") for k in KEY_COLUMNS}


def index_registry(progress: Progress | None = None) -> int:
    """Give every person registered in OneWindow itself (not built by linkage) a golden record,
    and refresh the keys of those changed since. Returns how many were (re)indexed."""
    codes = dict(District.objects.values_list("id", "code"))
    stale = Person.objects.filter(golden__isnull=True) | Person.objects.filter(
        golden__origin=Origin.REGISTRY, updated_at__gt=F("golden__updated_at")
    )
    ids = list(stale.values_list("id", flat=True).order_by("id"))
    done = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            docs = _documents(chunk)
            existing = dict(
                GoldenRecord.objects.filter(person_id__in=chunk).values_list(
                    "person_id", "provenance"
                )
            )
            GoldenRecord.objects.filter(person_id__in=chunk).delete()
            now = timezone.now()
            rows = []
            for person in Person.objects.filter(pk__in=chunk):
                row = _person_row(
                    person, docs.get(person.pk, {}), codes.get(person.current_district_id, "")
                )
                provenance = existing.get(person.pk) or {
                    field: REGISTRY
                    for field, values in record_candidates(row, 0, now, 0).items()
                    if not values[0].derived
                }
                rows.append(
                    GoldenRecord(
                        person_id=person.pk,
                        origin=Origin.REGISTRY,
                        provenance=provenance,
                        updated_at=now,
                        **_key_values(row),
                    )
                )
            GoldenRecord.objects.bulk_create(rows)
        done += len(chunk)
        if progress:
            progress(f"indexed {done}/{len(ids)} registered persons")
    return done


# ---------------------------------------------------------------------------------------------
# Scoring


def _frame(frame: pl.DataFrame, prefix: str, id_column: str) -> pd.DataFrame:
    """A Splink input frame: ``unique_id`` = prefix + id, the key columns and the birth year."""
    out = frame.select(
        (pl.lit(prefix) + pl.col(id_column).cast(pl.String)).alias("unique_id"),
        *[pl.col(c) for c in KEY_COLUMNS],
        pl.col("birth_ymd").str.slice(0, 4).alias("birth_year"),
    )
    return prepare_frame(out, id_column="unique_id")


def _settings(model: dict[str, Any], link_type: str) -> dict[str, Any]:
    return model | {
        "link_type": link_type,
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": False,
    }


DEFAULT_MODEL = Path(__file__).with_name("default_model.json")


def train_model(records: pd.DataFrame) -> dict[str, Any]:
    """Train on the batch deduplicated (u by sampling, m by expectation maximisation); past
    TRAIN_SAMPLE records on a fixed random sample of them, which estimates the same
    parameters in a fraction of the time and memory."""
    if len(records) > TRAIN_SAMPLE:
        records = records.sample(TRAIN_SAMPLE, random_state=1)
    linker = make_linker([records], onewindow_settings("dedupe_only"))
    train_onewindow(linker)
    return storable(linker.misc.save_model_to_json())


def default_model() -> dict[str, Any]:
    """The model shipped with OneWindow, trained on the synthetic multi-agency set
    (`onewindow link --write-default-model`): what a first batch too small to learn from
    (fewer than TRAIN_MIN_RECORDS) is scored by."""
    return json.loads(DEFAULT_MODEL.read_text())


def write_default_model(persons: int = 3000, seed: int = 20240611) -> Path:
    from .synthetic import multi_agency_records

    records, _truth = multi_agency_records(persons, seed=seed)
    frame = _frame(
        derive(records.with_columns(pl.col("unique_id").str.slice(1).cast(pl.Int64).alias("id"))),
        "r",
        "id",
    )
    DEFAULT_MODEL.write_text(json.dumps(train_model(frame), indent=1, sort_keys=True) + "\n")
    return DEFAULT_MODEL


M_FLOOR = 1e-3  # every field is wrong in at least 1 of 1,000 records of the same person
U_FLOOR = 1e-12


def storable(model: dict[str, Any]) -> dict[str, Any]:
    """The model made safe to keep and to apply to other data: an m probability is at least
    M_FLOOR, so that one field that never disagreed in the training data (sex, in a clean
    extract) cannot outweigh an identical ID number, birth date and name; a u probability is
    at least U_FLOOR, since Splink refuses to load a saved 0."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            for key, floor in (("m_probability", M_FLOOR), ("u_probability", U_FLOOR)):
                if isinstance(level.get(key), float | int) and level[key] < floor:
                    level[key] = floor
    return model


def score(
    model: dict[str, Any], records: pd.DataFrame, persons: pd.DataFrame, threshold: float
) -> pl.DataFrame:
    """Pairs scored at or above `threshold`: records with each other and records with persons.
    Columns: left, right (prefixed ids), probability, weight, and ``mw_*`` per comparison."""
    frames = []
    if len(records) > 1:
        linker = make_linker([records], _settings(model, "dedupe_only"))
        frames.append(linker.inference.predict(threshold_match_probability=threshold))
    if len(records) and len(persons):
        linker = make_linker([records, persons], _settings(model, "link_only"))
        frames.append(linker.inference.predict(threshold_match_probability=threshold))
    parts = []
    for sdf in frames:
        df = pl.from_pandas(sdf.as_pandas_dataframe())
        weights = [c for c in df.columns if c.startswith("mw_")]
        parts.append(
            df.select(
                pl.col("unique_id_l").alias("left"),
                pl.col("unique_id_r").alias("right"),
                pl.col("match_probability").alias("probability"),
                pl.col("match_weight").alias("weight"),
                *[pl.col(c).cast(pl.Float64) for c in weights],
            )
        )
    if not parts:
        return pl.DataFrame(
            schema={"left": pl.String, "right": pl.String, "probability": pl.Float64}
        )
    return pl.concat(parts, how="diagonal_relaxed")


# ---------------------------------------------------------------------------------------------
# Assignment


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def assign(
    record_ids: Sequence[int],
    pairs: pl.DataFrame,
    auto: float,
    refused: set[tuple[int, int]],
) -> tuple[dict[int, tuple[int | None, float | None]], list[list[int]], list[dict[str, Any]]]:
    """Decide where each record goes.

    Returns ``(to_person, new_groups, review)``: record → (person id, probability) for records
    joining a known person; groups of records that together start a new person; and the pairs
    for review (record id, the other side as "p<id>" or "r<id>", probability, weight, the
    weights per comparison). `refused` holds (record, person) pairs an officer judged distinct.
    """
    best: dict[int, tuple[float, int]] = {}
    uf = _UnionFind()
    links: dict[int, float] = {}
    review: list[dict[str, Any]] = []
    runner_up: list[tuple[int, dict[str, Any]]] = []  # auto pairs with a second known person
    weights = [c for c in pairs.columns if c.startswith("mw_")]
    for row in pairs.iter_rows(named=True):
        left, right, p = row["left"], row["right"], row["probability"]
        if left[0] == "p":
            left, right = right, left
        rid, other = int(left[1:]), int(right[1:])
        if right[0] == "p" and (rid, other) in refused:
            continue
        entry = {
            "record": rid,
            "other": right,
            "probability": p,
            "weight": row["weight"],
            "weights": [[c[3:], round(row[c] or 0.0, 2)] for c in weights],
        }
        if p < auto:
            review.append(entry)
        elif right[0] == "p":
            runner_up.append((other, entry))
            if p > best.get(rid, (-1.0, 0))[0]:
                best[rid] = (p, other)
        else:
            uf.union(rid, other)
            links[rid] = max(links.get(rid, 0.0), p)
            links[other] = max(links.get(other, 0.0), p)
    review += [entry for pid, entry in runner_up if best[entry["record"]][1] != pid]
    to_person: dict[int, tuple[int | None, float | None]] = {
        rid: (pid, p) for rid, (p, pid) in best.items()
    }
    members: dict[int, list[int]] = defaultdict(list)
    for rid in record_ids:
        members[uf.find(rid)].append(rid)
    groups: list[list[int]] = []
    for group in members.values():
        known = sorted((best[r] for r in group if r in best), key=lambda item: (-item[0], item[1]))
        if not known:
            groups.append(sorted(group))
            continue
        target = known[0][1]
        for rid in group:
            if rid not in to_person and (rid, target) not in refused:
                to_person[rid] = (target, links.get(rid))
            elif rid not in to_person:
                groups.append([rid])
    return to_person, groups, review


# ---------------------------------------------------------------------------------------------
# Writing


def source_trust() -> dict[str, int]:
    return {code: m.trust for code, m in mappings().items()}


def candidates_of(rows: Iterable[dict[str, Any]], trust: dict[str, int]) -> list[dict]:
    return [
        record_candidates(row, trust.get(row["source"], 0), _datetime(row["seen"]), row["id"])
        for row in rows
    ]


def _person_fields(winners: dict[str, Candidate], districts: dict[str, int]) -> dict[str, Any]:
    def value(field: str, default: Any = "") -> Any:
        return winners[field].value if field in winners else default

    family, given = value("name", ("", ""))
    latin_family, latin_given = value("latin_name", ("", ""))
    zh = value("zh_name")
    nationality = value("nationality").upper()
    pinyin, (latin_family, latin_given) = pinyin_and_latin(
        zh, nationality, (latin_family, latin_given)
    )
    hukou = value("hukou_place") if nationality == "CN" else ""
    return {
        "family_name": family[:100],
        "given_name": given[:100],
        "latin_family_name": latin_family[:100],
        "latin_given_name": latin_given[:100],
        "zh_name": zh[:50],
        "pinyin": pinyin[:120],
        "sex": value("sex") or "X",
        "birth_date": _date(value("birth_date", None)),
        "nationality": nationality,
        "hukou_place": hukou,
        "hukou_province": hukou[:2],
        "current_district_id": districts.get(value("district")),
    }


def _golden_keys(fields: dict[str, Any], winners: dict[str, Candidate]) -> dict[str, str]:
    row = {**fields, "district": winners["district"].value if "district" in winners else ""}
    for field in ("resident_id", "passport_number"):
        row[field] = winners[field].value if field in winners else ""
    return _key_values(row)


def _free_numbers(numbers: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Of the (document type, number) pairs, those no person holds yet."""
    taken: set[tuple[str, str]] = set()
    by_number = sorted({n for _, n in numbers})
    for start in range(0, len(by_number), 500):
        taken |= set(
            IdentityDocument.objects.filter(number__in=by_number[start : start + 500]).values_list(
                "doc_type", "number"
            )
        )
    return numbers - taken


def _documents_of(
    person_id: int, winners: dict[str, Candidate], stamp: Any
) -> list[tuple[str, str, tuple]]:
    """Identity-document rows (DOCUMENT_COLUMNS) for the winning ID and passport numbers."""
    nationality = winners["nationality"].value if "nationality" in winners else ""
    wanted = [
        (DocumentType.RESIDENT_ID, "resident_id", "CHN"),
        (DocumentType.PASSPORT, "passport_number", ALPHA3.get(nationality, nationality)),
    ]
    return [
        (
            doc_type,
            number,
            (_uid(), stamp, stamp, person_id, doc_type, number, country, None, None, ""),
        )
        for doc_type, field, country in wanted
        if (number := winners[field].value if field in winners else "")
    ]


DOCUMENT_COLUMNS = (
    "uid",
    "created_at",
    "updated_at",
    "person_id",
    "doc_type",
    "number",
    "issuing_country",
    "issue_date",
    "expiry_date",
    "mrz",
)
PERSON_COLUMNS = (
    "id",
    "uid",
    "created_at",
    "updated_at",
    "family_name",
    "given_name",
    "latin_family_name",
    "latin_given_name",
    "zh_name",
    "pinyin",
    "sex",
    "birth_date",
    "nationality",
    "hukou_province",
    "hukou_place",
    "status",
    "current_district_id",
    "version",
)


def _insert_documents(rows: list[tuple[str, str, tuple]]) -> None:
    free = _free_numbers({(t, n) for t, n, _ in rows})
    out, seen = [], set()
    for doc_type, number, row in rows:
        if (doc_type, number) in free and (doc_type, number) not in seen:
            seen.add((doc_type, number))
            out.append(row)
    bulk_insert(IdentityDocument, DOCUMENT_COLUMNS, out)


def create_persons(
    groups: list[tuple[list[dict], dict[str, Candidate]]], districts: dict[str, int]
) -> list[int]:
    """Insert one person per group (its records, its winners) with golden record, documents
    and name keys; returns the new ids in the order of `groups`."""
    stamp = _dbtime(timezone.now())
    ids = reserve_ids(Person, len(groups))
    persons, golden, keys, documents = [], [], [], []
    for pid, (_members, winners) in zip(ids, groups, strict=True):
        fields = _person_fields(winners, districts)
        keys_of = _golden_keys(fields, winners)
        persons.append(
            (
                pid,
                _uid(),
                stamp,
                stamp,
                *(fields[c] for c in PERSON_COLUMNS[4:15]),
                PersonStatus.ACTIVE,
                fields["current_district_id"],
                1,
            )
        )
        golden.append((pid, Origin.LINKAGE, provenance_of(winners), stamp, *keys_of.values()))
        names = {k: fields[k] for k in NAME_FIELDS}
        keys.extend((pid, k, fields["current_district_id"]) for k in sorted(person_keys(**names)))
        documents.extend(_documents_of(pid, winners, stamp))
    bulk_insert(Person, PERSON_COLUMNS, persons)
    bulk_insert(
        GoldenRecord,
        ("person_id", "origin", "provenance", "updated_at", *KEY_COLUMNS),
        [(g[0], g[1], _json(g[2]), *g[3:]) for g in golden],
    )
    bulk_insert(NameKey, ("person_id", "key", "district_id"), keys)
    _insert_documents(documents)
    return ids


def _uid() -> Any:
    """A UUIDv7 as the database takes it in a raw insert (SQLite: 32 hex digits)."""
    return uuid7() if connection.vendor == "postgresql" else uuid7().hex


def _dbtime(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


_JSON = JSONField()


def _json(value: Any) -> Any:
    return _JSON.get_db_prep_value(value, connection)


def _staged_sql(select: str, join: str, where: str) -> str:
    staged, batch = _q(StagedRecord._meta.db_table), _q(ImportBatch._meta.db_table)
    columns = ", ".join(f"s.{c}" for c in STAGED_COLUMNS)
    return (
        f"SELECT {select}s.id, s.source, b.created_at, {columns} FROM {staged} s "  # noqa: S608
        f"JOIN {batch} b ON b.id = s.batch_id {join} WHERE {where}"
    )


def _staged_row(values: Sequence[Any]) -> dict[str, Any]:
    row = dict(zip(("id", "source", "seen", *STAGED_COLUMNS), values, strict=True))
    return {k: ("" if v is None else v) for k, v in row.items()}


def _in(ids: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def staged_rows(record_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The staged records with those ids, as rows for survivorship."""
    ids = sorted(set(record_ids))
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        out += [
            _staged_row(r) for r in _rows(_staged_sql("", "", f"s.id IN ({_in(chunk)})"), chunk)
        ]
    return out


def linked_rows(person_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The staged records linked to each of the persons."""
    link = _q(RecordLink._meta.db_table)
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        join = f"JOIN {link} l ON l.record_id = s.id"
        sql = _staged_sql("l.person_id, ", join, f"l.person_id IN ({_in(chunk)})")
        for r in _rows(sql, chunk):
            out[r[0]].append(_staged_row(r[1:]))
    return out


def _registry_candidates(
    person: Person, golden: GoldenRecord, docs: dict[str, str], district: str
) -> dict[str, list[Candidate]]:
    """What OneWindow's own registration says, for the fields the golden record owes it."""
    row = _person_row(person, docs, district)
    offered = record_candidates(row, REGISTRY_TRUST, person.created_at, None)
    return {
        field: [c for c in values if not c.derived]
        for field, values in offered.items()
        if golden.provenance.get(field) == REGISTRY
    }


NAME_FIELDS = ("family_name", "given_name", "latin_family_name", "latin_given_name", "zh_name")


def refresh_persons(
    person_ids: Iterable[int],
    now: dt.datetime | None = None,
    *,
    trust: dict[str, int] | None = None,
    districts: dict[str, int] | None = None,
) -> int:
    """Re-apply survivorship to persons whose records changed; returns how many changed.

    A person built by linkage takes every field from its records; a person registered in
    OneWindow keeps what was registered (trusted above any agency) and gains what it lacked.
    A person built by linkage that has no record left is marked merged.
    """
    now = now or timezone.now()
    ids = sorted(set(person_ids))
    if not ids:
        return 0
    stamp = _dbtime(now)
    if trust is None:
        trust = source_trust()
    if districts is None:
        districts = dict(District.objects.values_list("code", "id"))
    codes = {v: k for k, v in districts.items()}
    linked = linked_rows(ids)
    docs = _documents(ids)
    changed = 0
    documents: list[tuple[str, str, tuple]] = []
    for person in Person.objects.filter(pk__in=ids).select_related("golden"):
        golden = person.golden
        rows = linked.get(person.pk, [])
        if golden.origin == Origin.LINKAGE and not rows:
            Person.objects.filter(pk=person.pk).update(
                status=PersonStatus.MERGED, version=F("version") + 1, updated_at=now
            )
            changed += 1
            continue
        district = codes.get(person.current_district_id, "")
        offered = candidates_of(rows, trust)
        if golden.origin == Origin.REGISTRY:
            offered.append(_registry_candidates(person, golden, docs.get(person.pk, {}), district))
        winners = survive(offered)
        fields = _person_fields(winners, districts)
        if golden.origin == Origin.REGISTRY:
            fields.pop("current_district_id")
            winners.pop("district", None)
            if district:
                winners["district"] = Candidate(district, REGISTRY_TRUST, now, None)
        if fields["birth_date"] is None:
            fields.pop("birth_date")
        updates = {k: v for k, v in fields.items() if getattr(person, k) != v}
        if updates:
            Person.objects.filter(pk=person.pk).update(
                **updates, version=F("version") + 1, updated_at=now
            )
            changed += 1
            for k, v in updates.items():
                setattr(person, k, v)
            if set(updates) & {*NAME_FIELDS, "current_district_id"}:
                write_name_keys(person)
        keys = _golden_keys(
            name_fields(person)
            | {
                "sex": person.sex,
                "birth_date": person.birth_date,
                "nationality": person.nationality,
            },
            winners,
        )
        GoldenRecord.objects.filter(pk=person.pk).update(
            provenance=provenance_of(winners), updated_at=now, **keys
        )
        documents.extend(_documents_of(person.pk, winners, stamp))
    _insert_documents(documents)
    return changed


def _thresholds(auto: float | None, review: float | None) -> tuple[float, float]:
    auto = settings.LINKAGE_AUTO_THRESHOLD if auto is None else auto
    review = settings.LINKAGE_REVIEW_THRESHOLD if review is None else review
    if not (0 < review <= auto <= 1):
        raise DomainError(
            "linkage_thresholds",
            _("The thresholds must satisfy 0 < review ≤ automatic ≤ 1."),
        )
    return auto, review


def link_pending(
    *,
    actor: Any = None,
    auto: float | None = None,
    review: float | None = None,
    retrain: bool = False,
    progress: Progress | None = None,
) -> LinkageRun:
    """Link every staged record not linked yet (see the module's docstring)."""
    auto, review = _thresholds(auto, review)
    say = progress or (lambda _message: None)
    index_registry(progress)
    records = pending_records()
    say(f"{len(records)} records to link")
    persons = golden_frame()
    last = (
        LinkageRun.objects.filter(status=RunStatus.DONE).exclude(model={}).order_by("-id").first()
    )
    rec_frame = _frame(derive(records), "r", "id") if len(records) else None
    per_frame = _frame(persons, "p", "person_id")
    trained = False
    model: dict[str, Any] = last.model if last and not retrain else {}
    pairs = pl.DataFrame(schema={"left": pl.String, "right": pl.String, "probability": pl.Float64})
    if rec_frame is not None:
        if not model:
            if len(rec_frame) >= TRAIN_MIN_RECORDS:
                say("training the model (expectation maximisation)")
                model, trained = train_model(rec_frame), True
            else:
                model = default_model()
        say(f"scoring against {len(persons)} persons")
        pairs = score(model, rec_frame, per_frame, review)
    refused = set(
        ReviewPair.objects.filter(status=PairStatus.NOT_MATCH).values_list("record_id", "person_id")
    )
    record_ids = records["id"].to_list()
    to_person, groups, review_rows = assign(record_ids, pairs, auto, refused)
    rows = {row["id"]: row for row in records.iter_rows(named=True)}
    trust = source_trust()
    districts = dict(District.objects.values_list("code", "id"))
    with transaction.atomic():
        run = LinkageRun.objects.create(
            started_by=actor,
            auto_threshold=auto,
            review_threshold=review,
            records=len(records),
            trained=trained,
            model=model if trained else {},
        )
        creatable: list[tuple[list[dict], dict[str, Candidate]]] = []
        held = 0
        for group in groups:
            members = [rows[r] for r in group]
            winners = survive(candidates_of(members, trust))
            if can_start_person(winners):
                creatable.append((members, winners))
            else:
                held += len(group)
        say(f"writing {len(creatable)} new persons")
        new_ids = create_persons(creatable, districts)
        final: dict[int, int] = {rid: pid for rid, (pid, _p) in to_person.items() if pid}
        now = timezone.now()
        links = [
            (rid, pid, LinkHow.AUTO, to_person[rid][1], run.pk, None, _dbtime(now))
            for rid, pid in final.items()
        ]
        for pid, (members, _winners) in zip(new_ids, creatable, strict=True):
            how = LinkHow.NEW if len(members) == 1 else LinkHow.AUTO
            for row in members:
                final[row["id"]] = pid
                links.append((row["id"], pid, how, None, run.pk, None, _dbtime(now)))
        bulk_insert(
            RecordLink,
            (
                "record_id",
                "person_id",
                "how",
                "probability",
                "run_id",
                "previous_person_id",
                "linked_at",
            ),
            links,
        )
        touched = {pid for rid, (pid, _p) in to_person.items() if pid}
        say(f"updating {len(touched)} persons already known")
        refresh_persons(touched, now, trust=trust, districts=districts)
        pending = _review_pairs(run, review_rows, final, refused)
        LinkageRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE,
            linked_existing=len(to_person),
            new_persons=len(new_ids),
            to_review=pending,
            held=held,
            finished_at=timezone.now(),
        )
        run.refresh_from_db()
        audit_record(
            actor=actor,
            action="linkage_run",
            object_type="linkage_run",
            object_id=str(run.uid),
            why="consolidation",
            details={
                "records": run.records,
                "linked_existing": run.linked_existing,
                "new_persons": run.new_persons,
                "to_review": run.to_review,
                "held": run.held,
            },
        )
    return run


def _review_pairs(
    run: LinkageRun,
    review_rows: list[dict[str, Any]],
    final: dict[int, int],
    refused: set[tuple[int, int]],
) -> int:
    """Store the doubtful pairs as (record, person) pairs, once each."""
    best: dict[tuple[int, int], dict[str, Any]] = {}
    for entry in review_rows:
        rid, other = entry["record"], entry["other"]
        pid = int(other[1:]) if other[0] == "p" else final.get(int(other[1:]))
        if pid is None or final.get(rid) == pid or (rid, pid) in refused:
            continue
        if (rid, pid) not in best or entry["probability"] > best[(rid, pid)]["probability"]:
            best[(rid, pid)] = entry
    known = set()
    keys = sorted(best)
    for start in range(0, len(keys), 500):
        chunk = [r for r, _ in keys[start : start + 500]]
        known |= set(
            ReviewPair.objects.filter(record_id__in=chunk).values_list("record_id", "person_id")
        )
    new = [
        ReviewPair(
            record_id=rid,
            person_id=pid,
            run=run,
            probability=entry["probability"],
            match_weight=entry["weight"],
            weights=entry["weights"],
        )
        for (rid, pid), entry in sorted(best.items())
        if (rid, pid) not in known
    ]
    ReviewPair.objects.bulk_create(new, batch_size=1000)
    return len(new)
