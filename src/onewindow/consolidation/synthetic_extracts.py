"""The synthetic multi-agency set written as the agencies' own extracts, for measuring linkage
through the real import path: each agency's file in the format its mapping reads (its column
names, code lists, date formats, encoding; the service stations' as XLSX) and `truth.csv`
(source, record id, true person). `onewindow extracts` writes them; import them with
`onewindow import`, run `onewindow link`, and score with `score_against_truth`."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
from openpyxl import Workbook

from .linkage import Metrics, cluster_metrics
from .mappings import ColumnSpec, SourceMapping, mapping
from .synthetic import AGENCIES, multi_agency_records

FILES = {
    "social_insurance": "social_insurance.csv",
    "exit_entry": "exit_entry.csv",
    "service_stations": "service_stations.xlsx",
}


def _cell(spec: ColumnSpec, value: str) -> str:
    if not value:
        return ""
    if spec.codes:
        return next((theirs for theirs, ours in spec.codes.items() if ours == value), value)
    if spec.formats:
        return dt.date.fromisoformat(value).strftime(spec.formats[0])
    return value


def _rows(source: SourceMapping, records: pl.DataFrame) -> list[list[str]]:
    return [
        [_cell(spec, row.get(spec.field) or "") for spec in source.columns]
        for row in records.iter_rows(named=True)
    ]


def write_extracts(folder: Path, persons: int, seed: int) -> dict[str, Path]:
    """Write the three extracts and truth.csv into `folder`; returns source → file."""
    folder.mkdir(parents=True, exist_ok=True)
    records, truth = multi_agency_records(persons, seed=seed)
    out: dict[str, Path] = {}
    for agency in AGENCIES:
        source = mapping(agency)
        part = records.filter(pl.col("source") == agency)
        header = [spec.column for spec in source.columns]
        path = folder / FILES[agency]
        if path.suffix == ".xlsx":
            book = Workbook(write_only=True)
            sheet = book.create_sheet()
            sheet.append(header)
            for row in _rows(source, part):
                sheet.append(row)
            book.save(path)
        else:
            encoding = "utf-8" if source.encoding == "utf-8" else "gb18030"
            with path.open("w", encoding=encoding, newline="") as f:
                writer = csv.writer(f)
                writer.writerow(header)
                writer.writerows(_rows(source, part))
        out[agency] = path
    with (folder / "truth.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["source", "source_record_id", "person"])
        for row in records.select("unique_id", "source", "source_record_id").iter_rows():
            writer.writerow([row[1], row[2], truth[row[0]]])
    return out


def score_against_truth(truth_csv: Path) -> Metrics:
    """Pairwise cluster precision, recall and F1 of the linked records of these sources
    against the truth (records rejected at import or held are left out)."""
    from .models import RecordLink

    with truth_csv.open(encoding="utf-8") as f:
        truth = {(r["source"], r["source_record_id"]): r["person"] for r in csv.DictReader(f)}
    linked = RecordLink.objects.filter(record__source__in=AGENCIES).values_list(
        "record__source", "record__source_record_id", "person_id"
    )
    predicted, actual = {}, {}
    for source, record_id, person in linked:
        key = (source, record_id)
        if key in truth:
            predicted[f"{source}:{record_id}"] = str(person)
            actual[f"{source}:{record_id}"] = truth[key]
    return cluster_metrics(predicted, actual)
