"""Rows of an extract, whatever its format: CSV (UTF-8 or GB18030/GBK, detected or declared),
XLSX and Parquet, read as text, streamed, numbered from 1 (the header is row 0)."""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from charset_normalizer import from_bytes

SAMPLE = 256 * 1024
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}


class FileRefused(Exception):
    """The whole file cannot be read: wrong format, encoding, or header."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def file_format(path: Path, name: str) -> str:
    found = FORMATS.get(Path(name).suffix.lower())
    if found is None:
        raise FileRefused("format", "only CSV, XLSX and Parquet files can be imported")
    with path.open("rb") as f:
        head = f.read(4)
    if found == "xlsx" and head != b"PK\x03\x04":
        raise FileRefused("format", "this is not an XLSX file")
    if found == "parquet" and head != b"PAR1":
        raise FileRefused("format", "this is not a Parquet file")
    return found


def detect_encoding(path: Path, declared: str) -> str:
    """`utf-8` or `gb18030`: as declared, or the one the first 256 KB decode in."""
    with path.open("rb") as f:
        sample = f.read(SAMPLE)
    if declared != "auto":
        return declared
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if len(sample) == SAMPLE and exc.start > len(sample) - 4:
            return "utf-8"  # a character cut by the sample's end
    guess = from_bytes(sample).best()
    if guess is not None and guess.encoding.replace("_", "").lower() in (
        "gb18030",
        "gbk",
        "gb2312",
    ):
        return "gb18030"
    try:
        sample.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        raise FileRefused("encoding", "the file is neither UTF-8 nor GB18030 text") from None


def csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="")
        reader = csv.reader(text)
        try:
            yield from enumerate(reader)
        except UnicodeDecodeError:
            raise FileRefused(
                "encoding", f"the file is not valid {encoding} text (after row {reader.line_num})"
            ) from None
        except csv.Error as exc:
            raise FileRefused(
                "csv", f"the CSV is malformed near line {reader.line_num}: {exc}"
            ) from None


def xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise FileRefused(
            "format", f"the XLSX file cannot be read ({type(exc).__name__})"
        ) from None
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True)):
            yield number, [_cell(v) for v in row]
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "hour"):
        return value.date().isoformat()  # type: ignore[union-attr]
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parquet_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    import polars as pl

    try:
        frame = pl.scan_parquet(path)
        names = frame.collect_schema().names()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise FileRefused(
            "format", f"the Parquet file cannot be read ({type(exc).__name__})"
        ) from None
    yield 0, names
    number = 0
    for chunk in frame.select(pl.all().cast(pl.String)).collect().iter_slices(50_000):
        for row in chunk.iter_rows():
            number += 1
            yield number, ["" if v is None else v for v in row]


def rows(path: Path, fmt: str, encoding: str) -> Iterator[tuple[int, list[str]]]:
    if fmt == "csv":
        return csv_rows(path, encoding)
    if fmt == "xlsx":
        return xlsx_rows(path)
    return parquet_rows(path)
