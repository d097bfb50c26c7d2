"""Writes: import an agency's extract into staged records, rejecting rows that do not
validate (each with its reason), never twice the same content, resuming where a stopped run
left off."""

import datetime
import functools
import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from onewindow.audit.services import audit_record
from onewindow.core.bulk import bulk_insert

from .mappings import RECORD_FIELDS, ColumnSpec, SourceMapping, mapping
from .models import BatchStatus, ImportBatch, RejectedRow, StagedRecord
from .readers import FileRefused, detect_encoding, file_format, rows

CHUNK = 5_000
PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
DISTRICT = re.compile(r"^\d{6}$")
SEX = {"M", "F", "X"}
LIMITS = {f.name: f.max_length for f in StagedRecord._meta.fields if f.max_length}


class RowRejected(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1 << 16)
def _prefix_valid(prefix: str) -> bool:
    """Whether the birth date (digits 7–14) is a date and the division code (1–6) existed
    on it; cached, as a million rows share far fewer places and days."""
    try:
        ric.get_birth_date(prefix + "0000")
        ric.get_birth_place(prefix + "0000")
    except stdnum_errors.ValidationError:
        return False
    return True


def resident_id_problem(number: str) -> str:
    """The error code if `number` is not a valid resident ID, else "". The same rules, in
    the same order, as `registry.validators.validate_resident_id` (python-stdnum's `cn.ric`),
    applied through its parts so that a million rows do not pay for its cleaning each time."""
    if len(number) != 18 or not number[:17].isdigit():
        return "id_invalid"
    if ric.calc_check_digit(number) != number[17]:
        return "id_checksum"
    return "" if _prefix_valid(number[:14]) else "id_invalid"


@functools.lru_cache(maxsize=1 << 16)
def _date(text: str, fmt: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(text, fmt).date()
    except ValueError:
        return None


def _value(spec: ColumnSpec, raw: str) -> Any:
    """One cell as the record field it fills; `RowRejected` says what is wrong (never the
    value itself: the reason goes into reports)."""
    text = raw.strip()
    if not text:
        if spec.required:
            raise RowRejected("missing", f"{spec.column}: empty")
        return None
    if spec.codes:
        if text not in spec.codes:
            raise RowRejected("code", f"{spec.column}: not in the code list")
        text = spec.codes[text]
    field = spec.field
    if field == "birth_date":
        for fmt in spec.formats or ["%Y-%m-%d"]:
            day = _date(text, fmt)
            if day is None:
                continue
            if not datetime.date(1900, 1, 1) <= day <= timezone.localdate():
                raise RowRejected("date", f"{spec.column}: outside 1900 to today")
            return day
        raise RowRejected(
            "date", f"{spec.column}: not a date in {', '.join(spec.formats or ['%Y-%m-%d'])}"
        )
    if field == "resident_id":
        code = resident_id_problem(text.upper())
        if code:
            raise RowRejected(code, f"{spec.column}: {code.replace('_', ' ')}")
        return text.upper()
    if field == "passport_number":
        text = re.sub(r"[\s-]", "", text).upper()
        if not PASSPORT.match(text):
            raise RowRejected("passport", f"{spec.column}: not a passport number")
    elif field == "nationality" and not COUNTRY.match(text.upper()):
        raise RowRejected("country", f"{spec.column}: not a two-letter country code")
    elif field in ("district", "hukou_place") and not DISTRICT.match(text):
        raise RowRejected("division", f"{spec.column}: not a six-digit division code")
    elif field == "sex" and text.upper() not in SEX:
        raise RowRejected("sex", f"{spec.column}: not M, F or X")
    if field in ("nationality", "sex"):
        text = text.upper()
    if len(text) > LIMITS.get(field, 10_000):
        raise RowRejected("too_long", f"{spec.column}: longer than {LIMITS[field]} characters")
    return text


def record_of(specs: list[ColumnSpec | None], row: list[str]) -> dict[str, Any]:
    """The staged record's fields of one row (`specs`: the mapping of each header column,
    None for a column not read), or `RowRejected`."""
    if len(row) != len(specs):
        raise RowRejected("columns", f"{len(row)} fields where the header has {len(specs)}")
    fields: dict[str, Any] = {}
    for spec, cell in zip(specs, row, strict=True):
        if spec is not None:
            value = _value(spec, cell)
            if value is not None:
                fields[spec.field] = value
    if not (fields.get("zh_name") or fields.get("latin_family_name") or fields.get("family_name")):
        raise RowRejected("no_name", "no name in any script")
    if not (fields.get("resident_id") or fields.get("passport_number") or fields.get("birth_date")):
        raise RowRejected(
            "no_identifier", "neither an ID number, a passport number nor a birth date"
        )
    return fields


def _check_header(source: SourceMapping, header: list[str]) -> list[str]:
    header = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c.column for c in source.columns if c.required and c.column not in header]
    if missing:
        raise FileRefused("header", f"columns missing: {', '.join(missing)}")
    if len(set(header)) != len(header):
        raise FileRefused("header", "two columns have the same name")
    return header


def _batch_for(
    actor: Any, source: SourceMapping, path: Path, name: str
) -> tuple[ImportBatch, bool]:
    """The batch of this content: a new one, or the earlier one (done, refused, or stopped)."""
    digest = sha256_of(path)
    found = ImportBatch.objects.filter(source=source.code, sha256=digest).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                source=source.code,
                file_name=Path(name).name[:255],
                sha256=digest,
                size=path.stat().st_size,
                file_format="",
                started_by=actor if getattr(actor, "pk", None) else None,
            )
            audit_record(
                actor=actor,
                action="import_start",
                object_type="import",
                object_id=str(batch.uid),
                why="consolidation",
                details={"source": source.code, "sha256": digest},
            )
    except IntegrityError:  # the same file, at the same moment, from elsewhere
        return ImportBatch.objects.get(source=source.code, sha256=digest), False
    return batch, True


def _keep(batch: ImportBatch, path: Path) -> None:
    """A copy of the file under var/imports, for the record (named by its hash)."""
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{batch.sha256}{Path(batch.file_name).suffix.lower()}"
    if not target.exists():
        shutil.copyfile(path, target.with_suffix(target.suffix + ".partial"))
        target.with_suffix(target.suffix + ".partial").replace(target)


@transaction.atomic
def _finish(actor: Any, batch: ImportBatch, status: str, problem: str = "") -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, problem=problem, finished_at=timezone.now(), updated_at=timezone.now()
    )
    batch.refresh_from_db()
    audit_record(
        actor=actor,
        action="import_done" if status == BatchStatus.DONE else "import_refused",
        object_type="import",
        object_id=str(batch.uid),
        why="consolidation",
        details={"accepted": batch.rows_accepted, "rejected": batch.rows_rejected},
    )


def import_file(
    *,
    actor: Any,
    source_code: str,
    path: Path,
    name: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportBatch:
    """Import one extract. Rows are read, validated and written in chunks of 5,000, each in
    one transaction with the batch's count of rows done, so a run that stops resumes after
    the last complete chunk and never writes a row twice; the same content imported again
    changes nothing."""
    source = mapping(source_code)
    batch, new = _batch_for(actor, source, path, name or path.name)
    if not new and batch.status != BatchStatus.RUNNING:
        return batch
    try:
        fmt = file_format(path, batch.file_name)
        encoding = detect_encoding(path, source.encoding) if fmt == "csv" else ""
        ImportBatch.objects.filter(pk=batch.pk).update(file_format=fmt, encoding=encoding)
        stream = rows(path, fmt, encoding)
        _number, raw_header = next(stream, (0, []))
        header = _check_header(source, raw_header)
        specs = [source.column(name) for name in header]
        ImportBatch.objects.filter(pk=batch.pk).update(columns=header)
        _keep(batch, path)
        done = last = batch.rows_done
        staged: list[tuple] = []
        rejected: list[tuple] = []
        for number, row in stream:
            if number <= done:
                continue  # written by a run that stopped
            last = number
            if not any(cell.strip() for cell in row):
                _add_reject(rejected, batch, number, "empty", "an empty row", header, row)
            else:
                try:
                    fields = record_of(specs, row)
                except RowRejected as exc:
                    _add_reject(rejected, batch, number, exc.code, exc.reason, header, row)
                else:
                    values = (_db(f, fields.get(f)) for f in RECORD_FIELDS)
                    staged.append((batch.pk, source.code, number, *values))
            if len(staged) + len(rejected) >= CHUNK:
                _write(batch, staged, rejected, number)
                if progress:
                    progress(len(staged) + len(rejected))
                staged, rejected = [], []
        _write(batch, staged, rejected, last)
        if progress and (staged or rejected):
            progress(len(staged) + len(rejected))
    except FileRefused as exc:
        _finish(actor, batch, BatchStatus.FAILED, exc.message)
        return batch
    _finish(actor, batch, BatchStatus.DONE)
    return batch


def _db(field: str, value: Any) -> Any:
    if field == "birth_date":
        return value.isoformat() if value else None
    return value if value is not None else ""


STAGED_COLUMNS = ("batch_id", "source", "row_number", *RECORD_FIELDS)
REJECT_COLUMNS = ("batch_id", "row_number", "code", "reason", "raw")


def _add_reject(
    rejected: list[tuple],
    batch: ImportBatch,
    number: int,
    code: str,
    reason: str,
    header: list[str],
    row: list[str],
) -> None:
    raw = dict(zip(header, row, strict=False)) if len(row) <= len(header) else {"_": row}
    rejected.append((batch.pk, number, code, reason, json.dumps(raw, ensure_ascii=False)))


@transaction.atomic
def _write(batch: ImportBatch, staged: list[tuple], rejected: list[tuple], upto: int) -> None:
    bulk_insert(StagedRecord, STAGED_COLUMNS, staged)
    bulk_insert(RejectedRow, REJECT_COLUMNS, rejected)
    ImportBatch.objects.filter(pk=batch.pk).update(
        rows_done=upto,
        rows_accepted=F("rows_accepted") + len(staged),
        rows_rejected=F("rows_rejected") + len(rejected),
        updated_at=timezone.now(),
    )
