"""Checking an applicant's answers against the fields of their application's type."""

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError

from .definitions import ApplicationType, FieldSpec


def _invalid(spec: FieldSpec, message: Any) -> DomainError:
    return DomainError("answer_invalid", message, field=str(spec.label))


def clean_value(spec: FieldSpec, raw: Any) -> Any:
    """One answer, converted to its JSON form (dates as ISO text, decimals as text)."""
    if isinstance(raw, str):
        raw = raw.strip()
    if raw in (None, ""):
        return None
    if spec.type in ("string", "text"):
        value = str(raw)
        if spec.max_length and len(value) > spec.max_length:
            raise _invalid(spec, _("%(field)s is too long."))
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            raise _invalid(spec, _("%(field)s is not in the expected form."))
        return value
    if spec.type == "boolean":
        if isinstance(raw, bool):
            return raw
        return str(raw).lower() in {"1", "true", "on", "yes"}
    if spec.type == "choice":
        if str(raw) not in {c.value for c in spec.choices}:
            raise _invalid(spec, _("%(field)s: choose one of the options."))
        return str(raw)
    if spec.type == "country":
        value = str(raw).upper()
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise _invalid(spec, _("%(field)s: choose a country."))
        return value
    if spec.type == "date":
        try:
            value = raw if isinstance(raw, datetime.date) else datetime.date.fromisoformat(raw)
        except (TypeError, ValueError) as exc:
            raise _invalid(spec, _("%(field)s is not a date.")) from exc
        return value.isoformat()
    try:
        number = Decimal(str(raw)) if spec.type == "decimal" else int(str(raw))
    except (InvalidOperation, ValueError) as exc:
        raise _invalid(spec, _("%(field)s is not a number.")) from exc
    if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
        raise _invalid(spec, _("%(field)s is out of the allowed range."))
    return str(number) if spec.type == "decimal" else number


def clean_answers(spec: ApplicationType, raw: dict[str, Any], *, complete: bool) -> dict[str, Any]:
    """All answers of a type; unknown names are dropped. With `complete`, required fields
    must be answered (submission); without, a draft may be partial."""
    answers: dict[str, Any] = {}
    for field in spec.fields:
        value = clean_value(field, raw.get(field.name))
        if complete and field.required and field.type == "boolean" and value is not True:
            raise _invalid(field, _("%(field)s must be confirmed."))
        if value is None:
            if complete and field.required and field.type != "boolean":
                raise _invalid(field, _("%(field)s is required."))
            continue
        answers[field.name] = value
    return answers
