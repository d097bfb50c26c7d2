"""Validation of identity numbers: resident ID cards, passports' MRZ, and USCC codes.

Resident ID cards and unified social credit codes are checked by python-stdnum; the ICAO 9303
check digits of a passport's machine-readable zone (TD3) are computed here, as no kept library
does it. Each validator raises `DomainError` with a code and a translatable message.
"""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from onewindow.core.errors import DomainError


def validate_resident_id(number: str) -> str:
    """Return the compact 18-character resident ID number, or raise `DomainError`."""
    try:
        return ric.validate(number)
    except stdnum_errors.InvalidChecksum as exc:
        raise DomainError("id_checksum", _("The check digit of this ID number is wrong.")) from exc
    except stdnum_errors.ValidationError as exc:
        raise DomainError("id_invalid", _("This is not a valid resident ID number.")) from exc


def validate_uscc(code: str) -> str:
    """Return the compact unified social credit code, or raise `DomainError`."""
    try:
        return uscc.validate(code)
    except stdnum_errors.InvalidChecksum as exc:
        raise DomainError(
            "uscc_checksum", _("The check digit of this social credit code is wrong.")
        ) from exc
    except stdnum_errors.ValidationError as exc:
        raise DomainError("uscc_invalid", _("This is not a valid social credit code.")) from exc


_MRZ_VALUES = (
    {c: i for i, c in enumerate("0123456789")}
    | {c: i + 10 for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
    | {"<": 0}
)
_MRZ_CHARS = re.compile(r"^[0-9A-Z<]{44}$")


def mrz_check_digit(field: str) -> str:
    """ICAO 9303 part 3, 4.9: weights 7, 3, 1 repeating; `<` counts 0, A–Z count 10–35."""
    total = sum(_MRZ_VALUES[c] * (7, 3, 1)[i % 3] for i, c in enumerate(field))
    return str(total % 10)


@dataclass(frozen=True)
class Mrz:
    document_type: str
    issuing_state: str
    family_name: str
    given_name: str
    number: str
    nationality: str
    birth_date: str  # YYMMDD
    sex: str
    expiry_date: str  # YYMMDD
    personal_number: str


def parse_td3(line1: str, line2: str) -> Mrz:
    """Parse and check a passport's two 44-character MRZ lines (ICAO 9303 TD3).

    Raises `DomainError` naming the field whose check digit is wrong.
    """
    line1, line2 = line1.strip().upper(), line2.strip().upper()
    if not (_MRZ_CHARS.match(line1) and _MRZ_CHARS.match(line2)) or line1[0] != "P":
        raise DomainError(
            "mrz_format", _("A passport's MRZ is two lines of 44 letters, digits or '<'.")
        )
    checks = [
        ("number", line2[0:9], line2[9]),
        ("birth_date", line2[13:19], line2[19]),
        ("expiry_date", line2[21:27], line2[27]),
        ("personal_number", line2[28:42], line2[42]),
    ]
    for name, field, digit in checks:
        if name == "personal_number" and digit == "<" and field == "<" * 14:
            continue
        if mrz_check_digit(field) != digit:
            raise DomainError("mrz_checksum", MRZ_CHECK_MESSAGES[name], field=name)
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    if mrz_check_digit(composite) != line2[43]:
        raise DomainError("mrz_checksum", _("The MRZ composite check digit is wrong."))
    names = line1[5:].split("<<", 1)
    return Mrz(
        document_type=line1[0:2].rstrip("<"),
        issuing_state=line1[2:5].rstrip("<"),
        family_name=names[0].replace("<", " ").strip(),
        given_name=names[1].replace("<", " ").strip() if len(names) > 1 else "",
        number=line2[0:9].rstrip("<"),
        nationality=line2[10:13].rstrip("<"),
        birth_date=line2[13:19],
        sex=line2[20],
        expiry_date=line2[21:27],
        personal_number=line2[28:42].rstrip("<"),
    )


MRZ_CHECK_MESSAGES = {
    "number": _("The MRZ check digit of the document number is wrong."),
    "birth_date": _("The MRZ check digit of the birth date is wrong."),
    "expiry_date": _("The MRZ check digit of the expiry date is wrong."),
    "personal_number": _("The MRZ check digit of the personal number is wrong."),
}


def _mrz_field(value: str, width: int) -> str:
    value = re.sub(r"[^0-9A-Z]+", "<", value.upper())
    return (value + "<" * width)[:width]


def make_td3(
    *,
    issuing_state: str,
    family_name: str,
    given_name: str,
    number: str,
    nationality: str,
    birth_date: datetime.date,
    sex: str,
    expiry_date: datetime.date,
) -> tuple[str, str]:
    """Compose the two TD3 lines of a passport, with correct check digits."""
    names = _mrz_field(family_name, 39).rstrip("<") + "<<" + _mrz_field(given_name, 39)
    line1 = ("P<" + _mrz_field(issuing_state, 3) + names + "<" * 44)[:44]
    num = _mrz_field(number, 9)
    birth = birth_date.strftime("%y%m%d")
    expiry = expiry_date.strftime("%y%m%d")
    personal = "<" * 14
    line2 = (
        num
        + mrz_check_digit(num)
        + _mrz_field(nationality, 3)
        + birth
        + mrz_check_digit(birth)
        + (sex if sex in "MF" else "<")
        + expiry
        + mrz_check_digit(expiry)
        + personal
        + "<"
    )
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    return line1, line2 + mrz_check_digit(composite)
