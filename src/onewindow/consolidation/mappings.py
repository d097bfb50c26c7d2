"""Import sources as data: one YAML mapping file per agency extract in `sources/`.

A mapping names the agency, how much its data is trusted (survivorship), the file's encoding
(or `auto`), and for each column of the extract the record field it fills, with its date
formats or its code list. Adding an agency's extract is adding a file. See
docs/import-mappings.md.
"""

import functools
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from onewindow.applications.definitions import Localized, _localized_complete
from onewindow.core.yamlfile import DataFileError, YamlFile, validation_error

SOURCES_DIR = Path(__file__).with_name("sources")

# The fields of a staged record: what linkage compares and what a golden record is made of.
RecordField = Literal[
    "source_record_id",
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
    "address",
]
RECORD_FIELDS: tuple[str, ...] = get_args(RecordField)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Strict):
    column: Annotated[str, Field(min_length=1)]
    field: RecordField
    required: bool = False
    formats: list[str] = []  # dates: strptime formats, tried in order
    codes: dict[str, str] = {}  # code list: the source's value → ours; others are rejected


class SourceMapping(_Strict):
    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    agency: str
    title: Localized
    trust: Annotated[int, Field(ge=0, le=100)]
    encoding: Literal["auto", "utf-8", "gb18030"] = "auto"
    columns: Annotated[list[ColumnSpec], Field(min_length=1)]

    _complete = field_validator("title")(_localized_complete)

    def column(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.column == name), None)


def load_mapping(path: Path) -> SourceMapping:
    file = YamlFile(path)
    try:
        mapping = SourceMapping.model_validate(file.data)
    except ValidationError as exc:
        raise validation_error(file, exc) from exc
    if mapping.code != path.stem:
        raise file.error(("code",), f"'{mapping.code}' differs from the file name")
    fields = [c.field for c in mapping.columns]
    if len(fields) != len(set(fields)):
        raise file.error(("columns",), "two columns fill the same field")
    if "source_record_id" not in fields:
        raise file.error(("columns",), "one column must fill source_record_id")
    return mapping


@functools.cache
def mappings() -> dict[str, SourceMapping]:
    return {p.stem: load_mapping(p) for p in sorted(SOURCES_DIR.glob("*.yaml"))}


def mapping(code: str) -> SourceMapping:
    try:
        return mappings()[code]
    except KeyError:
        raise DataFileError(f"unknown source '{code}'") from None
