"""Application types as data: one YAML file per type in `types/`, validated at load.

A type says who may file it, its fields (from which the form and the API schema are built),
the documents it needs, its eligibility rule, what it requires to exist first, the agencies
that review it in parallel with each review's deadline in working days, and the permit it
issues. Adding a type is adding a file.
"""

import functools
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from onewindow.core.i18n import pick

TYPES_DIR = Path(__file__).with_name("types")
_IDENT = r"^[a-z][a-z0-9_]*$"


# An employer's application about a foreign employee carries who the employee is, so that the
# permit's holder can be found by passport or registered on approval.
EMPLOYEE_FIELDS = frozenset(
    {
        "employee_family_name",
        "employee_given_name",
        "employee_sex",
        "employee_birth_date",
        "employee_nationality",
        "employee_passport_number",
    }
)


class TypeFileError(Exception):
    """A type file is malformed; the message names the file and the problem."""


class Localized(BaseModel):
    """A text in every UI language; `str()` gives the reader's, falling back to English."""

    model_config = ConfigDict(extra="allow")

    @field_validator("*")
    @classmethod
    def _text(cls, value: str) -> str:
        return value

    def texts(self) -> dict[str, str]:
        return dict(self.model_extra or {})

    def __str__(self) -> str:
        return pick(self.texts())


def _localized_complete(value: Localized) -> Localized:
    missing = [code for code, _ in settings.LANGUAGES if not value.texts().get(code)]
    if missing:
        raise ValueError(f"missing text in {', '.join(missing)}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    value: str
    label: Localized

    _complete = field_validator("label")(_localized_complete)


class FieldSpec(_Strict):
    name: Annotated[str, Field(pattern=_IDENT)]
    type: Literal["string", "text", "integer", "decimal", "date", "boolean", "choice", "country"]
    required: bool = True
    label: Localized
    help: Localized | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    pattern: str | None = None
    choices: list[Choice] = []

    _complete = field_validator("label", "help")(
        lambda v: v if v is None else _localized_complete(v)
    )

    @field_validator("pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from exc
        return value


class DocumentSpec(_Strict):
    code: Annotated[str, Field(pattern=_IDENT)]
    label: Localized
    required: bool = True
    max_mb: float = 10
    content_types: list[str] = ["application/pdf", "image/jpeg", "image/png"]

    _complete = field_validator("label")(_localized_complete)


class ReviewSpec(_Strict):
    agency: str
    deadline_working_days: Annotated[int, Field(gt=0, le=60)]


class Requirement(_Strict):
    """Another application that must exist first, e.g. an approved demand of the same
    employer before an integrated permit for a foreign employee."""

    type: str
    same: Literal["employer", "person", "applicant"]
    status: Literal["approved", "issued"] = "approved"


class AnswerFact(_Strict):
    """Where a policy fact comes from in the answers (applied in order, after the registry's
    facts): the answer as is; `map`ped (values not in the map leave the fact alone); `equals`
    a value (then `value`, or true — and false when it differs, unless `value` is set); or,
    with `age`, a birth date turned into whole years on the day of the assessment."""

    fact: Annotated[str, Field(pattern=_IDENT)]
    field: Annotated[str, Field(pattern=_IDENT)]
    map: dict[str, str | int | float | bool] = {}
    equals: str | int | float | bool | None = None
    value: str | int | float | bool | None = None
    age: bool = False


class Eligibility(_Strict):
    """A plain `rule`, and/or a `policy` (an id under policies/): the version in force when the
    application is submitted is applied to the registry's facts and the answers (`answers`),
    and the assessment is pinned to it. With `gate` (the default), an application the policy
    does not qualify cannot be submitted; without, the assessment informs the reviewers."""

    policy: Annotated[str, Field(pattern=_IDENT)] | None = None
    answers: list[AnswerFact] = []
    gate: bool = True
    rule: Literal[
        "none",
        "holds_permit",
        "foreign_national",
        "has_child",
    ] = "none"
    params: dict[str, int | str | list[str]] = {}


class PermitSpec(_Strict):
    """The permit an approval issues; with `renews`, the holder's current permit of that type
    is extended by `validity_months` instead (a yearly endorsement)."""

    type: Annotated[str, Field(pattern=_IDENT)]
    title: Localized
    validity_months: Annotated[int, Field(gt=0, le=120)]
    renews: str | None = None

    _complete = field_validator("title")(_localized_complete)


class ApplicationType(_Strict):
    code: Annotated[str, Field(pattern=_IDENT)]
    version: Annotated[int, Field(ge=1)]
    title: Localized
    description: Localized
    filed_by: list[Literal["resident", "employer"]]
    subject: Literal["self", "employer", "employee"]
    priority: bool = False
    fields: list[FieldSpec]
    documents: list[DocumentSpec] = []
    requires: list[Requirement] = []
    eligibility: Eligibility = Eligibility()
    reviews: Annotated[list[ReviewSpec], Field(min_length=1)]
    # "quota_round": the reviews verify the facts, a yearly quota round decides (points-based
    # hukou); approving every review leaves the application waiting for the round.
    decided_by: Literal["reviews", "quota_round"] = "reviews"
    permit: PermitSpec | None = None
    sources: list[str] = []

    _complete = field_validator("title", "description")(_localized_complete)

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    def document(self, code: str) -> DocumentSpec | None:
        return next((d for d in self.documents if d.code == code), None)


def load_type_file(path: Path) -> ApplicationType:
    """Read and validate one type file; `TypeFileError` names the file and what is wrong."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TypeFileError(f"{path.name}: not valid YAML: {exc}") from exc
    try:
        spec = ApplicationType.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise TypeFileError(f"{path.name}: {problems}") from exc
    if spec.code != path.stem:
        raise TypeFileError(f"{path.name}: code '{spec.code}' differs from the file name")
    names = [f.name for f in spec.fields]
    if len(names) != len(set(names)):
        raise TypeFileError(f"{path.name}: two fields share a name")
    missing = EMPLOYEE_FIELDS - set(names) if spec.subject == "employee" else set()
    if missing:
        raise TypeFileError(
            f"{path.name}: an application about an employee needs the fields "
            f"{', '.join(sorted(missing))}"
        )
    return spec


@functools.cache
def application_types() -> dict[str, ApplicationType]:
    """Every shipped type, by code. Cross-references (required types) are checked too."""
    types = {p.stem: load_type_file(p) for p in sorted(TYPES_DIR.glob("*.yaml"))}
    for spec in types.values():
        for req in spec.requires:
            if req.type not in types:
                raise TypeFileError(f"{spec.code}.yaml: requires unknown type '{req.type}'")
        _check_policy(spec)
    return types


def _check_policy(spec: ApplicationType) -> None:
    """The policy a type names exists, and its answer rules read fields the type has and set
    facts the policy reads."""
    if spec.eligibility.policy is None:
        return
    from onewindow.policies.catalogue import catalogue

    versions = [x.policy for x in catalogue().values() if x.policy.id == spec.eligibility.policy]
    if not versions:
        raise TypeFileError(f"{spec.code}.yaml: unknown policy '{spec.eligibility.policy}'")
    names = {f.name for f in spec.fields}
    facts = {fact for policy in versions for fact in policy.facts}
    for rule in spec.eligibility.answers:
        if rule.field not in names:
            raise TypeFileError(f"{spec.code}.yaml: eligibility reads unknown field '{rule.field}'")
        if rule.fact not in facts:
            raise TypeFileError(f"{spec.code}.yaml: the policy has no fact '{rule.fact}'")


@functools.cache
def permit_titles() -> dict[str, Localized]:
    """The title of each permit type, in every UI language, from the shipped type files; a
    type that renews a permit (the yearly endorsement) names the renewal, not the permit, so
    the issuing type's title wins."""
    issuing = sorted(
        (t for t in application_types().values() if t.permit), key=lambda t: bool(t.permit.renews)
    )
    return {t.permit.type: t.permit.title for t in reversed(issuing)}


def application_type(code: str) -> ApplicationType:
    return application_types()[code]
