"""Importing agency extracts: every format and encoding, rows rejected with their reason,
nothing lost or doubled — a bad file, a broken row, the same file twice, a run that stops."""

import codecs
import datetime

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from stdnum.cn import ric

from onewindow.audit.models import AuditEvent
from onewindow.consolidation import services
from onewindow.consolidation.models import ImportBatch, RejectedRow, StagedRecord
from onewindow.consolidation.services import import_file

pytestmark = pytest.mark.django_db

HEADER = ["个人编号", "姓名", "性别", "出生日期", "公民身份号码", "户籍地", "参保区"]


def resident_id(birth: str = "19900307", serial: str = "123") -> str:
    body = f"430102{birth}{serial}"
    return body + ric.calc_check_digit(body + "0")


def si_rows(n: int = 3) -> list[list[str]]:
    return [
        [
            f"SI{i:04d}",
            "张伟",
            "男",
            "1990/03/07",
            resident_id(serial=f"{i % 1000:03d}"),
            "430102",
            "440106",
        ]
        for i in range(1, n + 1)
    ]


def write_csv(path, rows, header=HEADER, encoding="gb18030", bom=False):
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    data = text.encode(encoding)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data)
    return path


def test_gb18030_csv_is_detected_and_rows_are_staged_with_their_provenance(tmp_path, settings):
    # given the social-insurance bureau's extract in GB18030, with one wrong check digit
    settings.VAR_DIR = tmp_path
    rows = si_rows(3)
    rows[1][4] = rows[1][4][:-1] + ("0" if rows[1][4][-1] != "0" else "1")
    path = write_csv(tmp_path / "si.csv", rows)
    # when it is imported
    batch = import_file(actor=None, source_code="social_insurance", path=path)
    # then the encoding was detected, two rows were staged with source, file and row number,
    # and the third was rejected for its check digit
    assert (batch.status, batch.encoding, batch.file_format) == ("done", "gb18030", "csv")
    assert (batch.rows_accepted, batch.rows_rejected, batch.rows_done) == (2, 1, 3)
    record = StagedRecord.objects.get(row_number=1)
    assert (record.source, record.batch, record.source_record_id) == (
        "social_insurance",
        batch,
        "SI0001",
    )
    assert (record.zh_name, record.sex, record.birth_date) == (
        "张伟",
        "M",
        datetime.date(1990, 3, 7),
    )
    reject = RejectedRow.objects.get()
    assert (reject.row_number, reject.code) == (2, "id_checksum")
    assert reject.raw["姓名"] == "张伟"
    # and the file is kept under var/imports by its hash, and the import audited
    assert (tmp_path / "imports" / f"{batch.sha256}.csv").exists()
    assert AuditEvent.objects.filter(action="import_done", object_id=str(batch.uid)).exists()


def test_utf8_with_bom_xlsx_and_parquet(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    utf8 = write_csv(tmp_path / "a.csv", si_rows(2), encoding="utf-8", bom=True)
    assert import_file(actor=None, source_code="social_insurance", path=utf8).rows_accepted == 2

    book = Workbook()
    sheet = book.active
    sheet.append(["登记号", "中文姓名", "性别", "出生日期", "所在区"])
    sheet.append(["ST1", "王芳", "女", datetime.datetime(1988, 5, 20), "白云区"])
    sheet.append(["ST2", "陈明", "男", "1991年7月7日", "天河区"])
    sheet.append(["ST3", "赵丽", "女", "1992-02-02", "月球区"])
    book.save(tmp_path / "visitors.xlsx")
    xlsx = import_file(actor=None, source_code="service_stations", path=tmp_path / "visitors.xlsx")
    assert (xlsx.file_format, xlsx.rows_accepted, xlsx.rows_rejected) == ("xlsx", 2, 1)
    assert StagedRecord.objects.get(source_record_id="ST1").district == "440111"
    assert RejectedRow.objects.get(batch=xlsx).code == "code"

    pl.DataFrame(
        {
            "record_no": ["EE1", "EE2"],
            "surname": ["OKAFOR", "GARCIA"],
            "given_names": ["CHINEDU", "JOSE"],
            "sex": ["M", "M"],
            "date_of_birth": ["19880412", "19790230"],
            "nationality": ["NG", "ES"],
            "passport_no": ["A1234567", "X99"],
        }
    ).write_parquet(tmp_path / "ee.parquet")
    parquet = import_file(actor=None, source_code="exit_entry", path=tmp_path / "ee.parquet")
    assert (parquet.file_format, parquet.rows_accepted, parquet.rows_rejected) == ("parquet", 1, 1)
    assert RejectedRow.objects.get(batch=parquet).code == "date"  # 30 February


def test_bad_encoding_refuses_the_file_and_stores_nothing(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    # given an extract declared UTF-8 (exit-entry) that is in fact GBK
    path = tmp_path / "ee.csv"
    path.write_bytes(
        "record_no,surname,date_of_birth,nationality\nEE1,张,19880412,NG\n".encode("gbk")
    )
    batch = import_file(actor=None, source_code="exit_entry", path=path)
    assert batch.status == "failed" and "utf-8" in batch.problem
    assert not StagedRecord.objects.exists() and not RejectedRow.objects.exists()


def test_missing_columns_refuse_the_file(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    path = write_csv(tmp_path / "si.csv", [r[:2] for r in si_rows(2)], header=["个人编号", "名字"])
    batch = import_file(actor=None, source_code="social_insurance", path=path)
    assert batch.status == "failed" and "姓名" in batch.problem
    assert not StagedRecord.objects.exists()


def test_a_broken_row_in_the_middle_is_rejected_and_the_rest_kept(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    rows = si_rows(5)
    rows[2] = rows[2][:4]  # a row cut short
    path = write_csv(tmp_path / "si.csv", rows)
    batch = import_file(actor=None, source_code="social_insurance", path=path)
    assert (batch.rows_accepted, batch.rows_rejected) == (4, 1)
    assert RejectedRow.objects.get().reason == "4 fields where the header has 7"
    assert sorted(StagedRecord.objects.values_list("row_number", flat=True)) == [1, 2, 4, 5]


def test_the_same_file_twice_changes_nothing(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    path = write_csv(tmp_path / "si.csv", si_rows(3))
    first = import_file(actor=None, source_code="social_insurance", path=path)
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(path.read_bytes())
    second = import_file(actor=None, source_code="social_insurance", path=copy)
    assert second.pk == first.pk
    assert StagedRecord.objects.count() == 3 and ImportBatch.objects.count() == 1


def test_a_run_that_stops_resumes_without_doubling(tmp_path, settings, monkeypatch):
    # given an extract of 23 rows read in chunks of 5, and a run stopped after two chunks
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(services, "CHUNK", 5)
    rows = si_rows(23)
    rows[7][3] = "not a date"
    path = write_csv(tmp_path / "si.csv", rows)
    seen = []

    def stop_after_two_chunks(n: int) -> None:
        seen.append(n)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(
            actor=None, source_code="social_insurance", path=path, progress=stop_after_two_chunks
        )
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_done) == ("running", 10)
    assert StagedRecord.objects.count() + RejectedRow.objects.count() == 10
    # when it is run again
    batch = import_file(actor=None, source_code="social_insurance", path=path)
    # then every row is there exactly once
    assert (batch.status, batch.rows_done, batch.rows_accepted, batch.rows_rejected) == (
        "done",
        23,
        22,
        1,
    )
    numbers = sorted(StagedRecord.objects.values_list("row_number", flat=True))
    assert numbers == [n for n in range(1, 24) if n != 8]


def test_command_line(tmp_path, settings, capsys):
    settings.VAR_DIR = tmp_path
    path = write_csv(tmp_path / "si.csv", si_rows(2))
    call_command("import", "social_insurance", str(path))
    assert "2 rows accepted, 0 rejected" in capsys.readouterr().out
    with pytest.raises(CommandError, match="unknown source"):
        call_command("import", "nobody", str(path))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import", "social_insurance", str(tmp_path / "missing.csv"))
    other = tmp_path / "notes.docx"
    other.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(CommandError, match="refused"):
        call_command("import", "social_insurance", str(other))


@given(
    place=st.sampled_from(["110101", "430102", "440106", "440111", "999999", "000000"]),
    born=st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2020, 12, 31)),
    serial=st.integers(min_value=0, max_value=999),
    last=st.sampled_from([None, *"0123456789X"]),
)
def test_fast_resident_id_check_agrees_with_the_registry_validator(place, born, serial, last):
    # given any 18-character number: right or wrong check digit, known or unknown place
    from onewindow.core.errors import DomainError
    from onewindow.registry.validators import validate_resident_id

    body = f"{place}{born:%Y%m%d}{serial:03d}"
    number = body + (last or ric.calc_check_digit(body + "0"))
    # when the import's check and the registry's validator judge it
    try:
        validate_resident_id(number)
        expected = ""
    except DomainError as exc:
        expected = exc.code
    # then they agree
    assert services.resident_id_problem(number) == expected


def test_a_damaged_xlsx_is_refused_not_a_crash(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    path = tmp_path / "v.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    batch = import_file(actor=None, source_code="service_stations", path=path)
    assert batch.status == "failed" and "XLSX" in batch.problem
