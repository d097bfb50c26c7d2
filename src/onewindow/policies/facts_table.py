"""The facts table: one row per person with the registry facts policies read
(`registry_facts.REGISTRY_FACTS`) and the dimensions results are broken down by (district,
nationality, age band, education), written to a Parquet file that simulations scan.

Built from the registry by `onewindow policies facts` — streamed table by table in chunks, so
memory stays bounded, with progress bars. The file is written under a temporary name and
renamed at the end: an interrupted build leaves the previous table in place, and a re-run
starts over. No names or document numbers go into it: the person's id, dimensions and
derived numbers only.
"""

import datetime
import json
import os
import time
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection
from tqdm import tqdm

from .registry_facts import DAYS_PER_MONTH, DAYS_PER_YEAR, EDUCATION_LEVELS

CHUNK = 200_000
GUANGZHOU_PREFIX = "4401"  # administrative division codes of Guangzhou
AGE_BANDS = [(0, 18, "0-17"), (18, 26, "18-25"), (26, 36, "26-35"), (36, 46, "36-45")]
AGE_BANDS += [(46, 56, "46-55"), (56, 61, "56-60"), (61, 200, "61+")]


def facts_dir() -> Path:
    return Path(settings.VAR_DIR) / "facts"


def facts_path() -> Path:
    return facts_dir() / "registry-facts.parquet"


def facts_meta() -> dict[str, Any] | None:
    meta = facts_path().with_suffix(".json")
    if not meta.exists() or not facts_path().exists():
        return None
    return json.loads(meta.read_text())


def _rows(sql: str, schema: dict[str, Any], label: str, total: int) -> pl.DataFrame:
    """Stream a query into one frame, chunk by chunk, with a progress bar."""
    parts = []
    with connection.cursor() as cursor, tqdm(total=total, desc=label, unit="rows") as bar:
        cursor.execute(sql)
        while True:
            chunk = cursor.fetchmany(CHUNK)
            if not chunk:
                break
            parts.append(
                pl.DataFrame(chunk, schema=list(schema), orient="row", infer_schema_length=None)
            )
            bar.update(len(chunk))
    if not parts:
        return pl.DataFrame(schema=schema)
    frame = pl.concat(parts, how="vertical_relaxed")
    casts = []
    for name, dtype in schema.items():
        if dtype == pl.Date and frame.schema[name] != pl.Date:
            casts.append(pl.col(name).cast(pl.String).str.slice(0, 10).str.to_date())
        else:
            casts.append(pl.col(name).cast(dtype))
    return frame.with_columns(casts)


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 — a constant table name
        return int(cursor.fetchone()[0])


def _days(start: str, end: str, as_of: datetime.date) -> pl.Expr:
    """Days from `start` to `end` (or `as_of` if open), cut at `as_of`, never negative."""
    stop = pl.min_horizontal(pl.col(end).fill_null(as_of), pl.lit(as_of))
    return ((stop - pl.col(start)).dt.total_days()).clip(lower_bound=0)


def _spans(table: str, start: str, end: str, extra: str, as_of: datetime.date) -> pl.DataFrame:
    sql = f"SELECT person_id, {start}, {end}{extra} FROM {table}"  # noqa: S608 — constants
    schema: dict[str, Any] = {"person_id": pl.Int64, start: pl.Date, end: pl.Date}
    if extra:
        schema["kind"] = pl.String
    frame = _rows(sql, schema, table.split("_", 1)[1], _count(table))
    return frame.filter(pl.col(start) <= as_of).with_columns(
        _days(start, end, as_of).alias("days"), pl.col(end).is_null().alias("open")
    )


def build(as_of: datetime.date | None = None, out: Path | None = None) -> dict[str, Any]:
    """Build the facts table from the registry as of `as_of` (today); returns its metadata."""
    as_of = as_of or datetime.date.today()
    out = out or facts_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    persons = _rows(
        "SELECT p.id, p.birth_date, p.nationality, p.hukou_place, p.sex, d.code "
        "FROM registry_person p LEFT JOIN geo_district d ON d.id = p.current_district_id "
        "WHERE p.status = 'active'",
        {
            "person_id": pl.Int64,
            "birth_date": pl.Date,
            "nationality": pl.String,
            "hukou_place": pl.String,
            "sex": pl.String,
            "district": pl.String,
        },
        "persons",
        _count("registry_person"),
    )
    born = pl.col("birth_date")
    had_birthday = (born.dt.month() < as_of.month) | (
        (born.dt.month() == as_of.month) & (born.dt.day() <= as_of.day)
    )
    age = (pl.lit(as_of.year) - born.dt.year() - (~had_birthday).cast(pl.Int32)).cast(pl.Int16)
    persons = persons.with_columns(
        age.alias("age"),
        (pl.col("nationality") != "CN").alias("foreign"),
        (
            (pl.col("nationality") == "CN")
            & ~pl.col("hukou_place").fill_null("").str.starts_with(GUANGZHOU_PREFIX)
        ).alias("internal_migrant"),
    ).drop("birth_date", "hukou_place")

    rank = {level: n for n, level in enumerate(EDUCATION_LEVELS)}
    education = _rows(
        "SELECT person_id, level FROM registry_education",
        {"person_id": pl.Int64, "level": pl.String},
        "education",
        _count("registry_education"),
    )
    education = (
        education.with_columns(pl.col("level").replace_strict(rank, default=0).alias("rank"))
        .group_by("person_id")
        .agg(pl.col("rank").max())
    )

    residence = (
        _spans("registry_residenceregistration", "valid_from", "valid_to", "", as_of)
        .group_by("person_id")
        .agg(pl.col("days").sum().alias("residence_days"), pl.col("open").any().alias("current"))
    )
    employment = (
        _spans("registry_employment", "start_date", "end_date", "", as_of)
        .group_by("person_id")
        .agg(pl.col("days").sum().alias("work_days"), pl.col("open").any().alias("employed"))
    )
    insurance = (
        _spans("registry_insuranceperiod", "start_date", "end_date", ", insurance_type", as_of)
        .group_by("person_id", "kind")
        .agg(pl.col("days").sum())
        .with_columns((pl.col("days") / DAYS_PER_YEAR).floor().cast(pl.Int32).alias("years"))
        .group_by("person_id")
        .agg(
            pl.col("years").filter(pl.col("kind") == "pension").sum().alias("pension_years"),
            (pl.col("days").filter(pl.col("kind") == "medical").sum() / DAYS_PER_MONTH)
            .floor()
            .cast(pl.Int32)
            .alias("medical_months"),
            pl.col("years").sum().alias("insurance_type_years"),
        )
    )

    table = (
        persons.join(education, on="person_id", how="left")
        .join(residence, on="person_id", how="left")
        .join(employment, on="person_id", how="left")
        .join(insurance, on="person_id", how="left")
        .with_columns(
            pl.col("rank")
            .fill_null(0)
            .replace_strict(dict(enumerate(EDUCATION_LEVELS)), return_dtype=pl.String)
            .alias("education_level"),
            (pl.col("residence_days").fill_null(0) / DAYS_PER_MONTH)
            .floor()
            .cast(pl.Int32)
            .alias("residence_months"),
            pl.col("current").fill_null(False).alias("current_residence"),
            pl.col("employed").fill_null(False),
            (pl.col("work_days").fill_null(0) / DAYS_PER_YEAR)
            .floor()
            .cast(pl.Int32)
            .alias("experience_years"),
            pl.col("pension_years").fill_null(0).cast(pl.Int32),
            pl.col("medical_months").fill_null(0).cast(pl.Int32),
            pl.col("insurance_type_years").fill_null(0).cast(pl.Int32),
        )
        .with_columns(*derived_columns(), pl.col("district").fill_null("-"))
        .drop("rank", "residence_days", "current", "work_days")
        .sort("person_id")
    )
    partial = out.with_name(out.name + ".partial")
    table.write_parquet(partial, compression="zstd", row_group_size=500_000)
    os.replace(partial, out)
    meta = {
        "as_of": as_of.isoformat(),
        "persons": table.height,
        "internal_migrants": int(table["internal_migrant"].sum()),
        "foreign_nationals": int(table["foreign"].sum()),
        "seconds": round(time.perf_counter() - started, 1),
        "bytes": out.stat().st_size,
    }
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2))
    return meta


def derived_columns() -> list[pl.Expr]:
    """The columns derived from the others: residence years, months in China, age band."""
    return [
        (pl.col("residence_months") // 12).cast(pl.Int32).alias("residence_years"),
        pl.when(pl.col("foreign") & pl.col("current_residence"))
        .then(12)
        .otherwise(0)
        .cast(pl.Int32)
        .alias("months_in_china_per_year"),
        age_band_expr().alias("age_band"),
    ]


def age_band_expr() -> pl.Expr:
    expr: Any = None
    for low, high, label in AGE_BANDS:
        test = (pl.col("age") >= low) & (pl.col("age") < high)
        expr = (pl.when(test) if expr is None else expr.when(test)).then(pl.lit(label))
    return expr.otherwise(pl.lit("?"))


def population_filter(population: str) -> pl.Expr:
    """Who a policy is about, as a filter on the facts table."""
    if population == "internal_migrants":
        return pl.col("internal_migrant")
    if population == "foreign_nationals":
        return pl.col("foreign")
    return pl.lit(True)
