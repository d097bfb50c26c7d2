"""Identity numbers: resident ID cards, unified social credit codes and passports' MRZ."""

import datetime
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from onewindow.core.errors import DomainError
from onewindow.registry.validators import (
    make_td3,
    mrz_check_digit,
    parse_td3,
    validate_resident_id,
    validate_uscc,
)

# Regions that python-stdnum knows for every birth year from 1900 (Beijing, Shanghai).
REGIONS = ["110101", "110105", "310101"]
ID_CHECK_CHARS = "0123456789X"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# The specimen passport of ICAO Doc 9303 part 4 (Anna Maria Eriksson of Utopia).
SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)


def with_ric_check(body: str) -> str:
    """A body of 17 digits completed with its check digit.

    `ric.calc_check_digit` reads every character but the last, so it is given a placeholder.
    """
    return body + ric.calc_check_digit(body + "0")


def with_uscc_check(body: str) -> str:
    return body + uscc.calc_check_digit(body)


id_bodies = st.builds(
    lambda region, born, sequence: f"{region}{born:%Y%m%d}{sequence:03d}",
    st.sampled_from(REGIONS),
    st.dates(datetime.date(1900, 1, 1), datetime.date(2025, 12, 31)),
    st.integers(0, 999),
)

uscc_bodies = st.builds(
    lambda head, tail: head + tail,
    st.text(string.digits, min_size=8, max_size=8),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
)

# --- resident ID numbers ---------------------------------------------------------------------


@given(body=id_bodies)
def test_resident_id_with_its_check_digit_is_accepted(body: str) -> None:
    # given a valid region, birth date and sequence, completed with the right check digit
    number = with_ric_check(body)
    # when it is validated / then it comes back unchanged
    assert validate_resident_id(number) == number


@given(body=id_bodies, data=st.data())
def test_resident_id_with_any_other_check_digit_is_refused(body: str, data: st.DataObject) -> None:
    # given a valid body and a check character that is not the right one
    right = with_ric_check(body)[-1]
    wrong = data.draw(st.sampled_from([c for c in ID_CHECK_CHARS if c != right]))
    # when the number is validated / then the check digit is blamed
    with pytest.raises(DomainError) as error:
        validate_resident_id(body + wrong)
    assert error.value.code == "id_checksum"


def test_resident_id_lower_case_x_is_accepted_as_upper_case() -> None:
    # given a number whose check character is X, written in lower case
    body = next(
        f"11010119800101{n:03d}"
        for n in range(1000)
        if with_ric_check(f"11010119800101{n:03d}")[-1] == "X"
    )
    # when it is validated / then the compact form has an upper-case X
    assert validate_resident_id(body + "x") == body + "X"


@given(number=st.text(string.digits, max_size=30).filter(lambda s: len(s) != 18))
def test_resident_id_of_the_wrong_length_is_invalid(number: str) -> None:
    # given digits, but not 18 of them / when validated / then the number is invalid
    with pytest.raises(DomainError) as error:
        validate_resident_id(number)
    assert error.value.code == "id_invalid"


@given(body=id_bodies, position=st.integers(0, 16), letter=st.sampled_from(string.ascii_uppercase))
def test_resident_id_with_a_letter_in_the_body_is_invalid(
    body: str, position: int, letter: str
) -> None:
    # given a valid number with one of its first 17 digits replaced by a letter
    number = with_ric_check(body)
    number = number[:position] + letter + number[position + 1 :]
    # when validated / then it is invalid (not a checksum error: it is not a number at all)
    with pytest.raises(DomainError) as error:
        validate_resident_id(number)
    assert error.value.code == "id_invalid"


@pytest.mark.parametrize(
    "body",
    [
        "11010119491331001",  # month 13
        "11010120230229001",  # 29 February of a common year
        "99999919800101001",  # no such region
    ],
)
def test_resident_id_with_a_right_check_digit_but_impossible_content_is_invalid(body: str) -> None:
    # given a body that is not a real number, completed with its check digit
    # when validated / then it is invalid
    with pytest.raises(DomainError) as error:
        validate_resident_id(with_ric_check(body))
    assert error.value.code == "id_invalid"


# --- unified social credit codes -------------------------------------------------------------


def test_uscc_known_code_is_accepted() -> None:
    # given a published code (Beijing, 1954 registration) / when validated / then accepted
    assert validate_uscc("91110000600037341L") == "91110000600037341L"


@given(body=uscc_bodies)
def test_uscc_with_its_check_character_is_accepted(body: str) -> None:
    code = with_uscc_check(body)
    assert validate_uscc(code) == code


@given(body=uscc_bodies, data=st.data())
def test_uscc_with_a_wrong_check_character_is_refused(body: str, data: st.DataObject) -> None:
    # given a body and a check character other than the right one
    right = with_uscc_check(body)[-1]
    wrong = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != right]))
    # when validated / then the check character is blamed
    with pytest.raises(DomainError) as error:
        validate_uscc(body + wrong)
    assert error.value.code == "uscc_checksum"


@pytest.mark.parametrize(
    "code", ["", "9111000060003734", "91110000600037341LL", "A1110000600037341L"]
)
def test_uscc_malformed_is_invalid(code: str) -> None:
    with pytest.raises(DomainError) as error:
        validate_uscc(code)
    assert error.value.code == "uscc_invalid"


# --- passports' machine-readable zone (ICAO 9303, TD3) ---------------------------------------


@pytest.mark.parametrize(
    ("field", "digit"),
    [
        ("L898902C3", "6"),
        ("740812", "2"),
        ("120415", "9"),
        ("ZE184226B<<<<<", "1"),
        ("L898902C367408122120415" + "9ZE184226B<<<<<1", "0"),
        ("<<<<<<<<<", "0"),
    ],
)
def test_mrz_check_digit_of_the_specimen_fields(field: str, digit: str) -> None:
    assert mrz_check_digit(field) == digit


def test_icao_specimen_parses() -> None:
    # given the official specimen / when parsed / then every field is read
    mrz = parse_td3(*SPECIMEN)
    assert mrz.document_type == "P"
    assert mrz.issuing_state == "UTO"
    assert (mrz.family_name, mrz.given_name) == ("ERIKSSON", "ANNA MARIA")
    assert mrz.number == "L898902C3"
    assert mrz.nationality == "UTO"
    assert (mrz.birth_date, mrz.sex, mrz.expiry_date) == ("740812", "F", "120415")
    assert mrz.personal_number == "ZE184226B"


words = st.text(string.ascii_uppercase, min_size=1, max_size=6)
names = st.lists(words, min_size=1, max_size=3).map(" ".join)
mrz_dates = st.dates(datetime.date(1930, 1, 1), datetime.date(2069, 12, 31))


@given(
    family=names.filter(lambda n: len(n) <= 16),
    given_name=names.filter(lambda n: len(n) <= 20),
    number=st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=9),
    nationality=st.text(string.ascii_uppercase, min_size=3, max_size=3),
    state=st.text(string.ascii_uppercase, min_size=3, max_size=3),
    birth=mrz_dates,
    expiry=mrz_dates,
    sex=st.sampled_from("MF"),
    padding=st.sampled_from(["", " ", "  "]),
)
def test_make_td3_round_trips_through_parse_td3(
    family: str,
    given_name: str,
    number: str,
    nationality: str,
    state: str,
    birth: datetime.date,
    expiry: datetime.date,
    sex: str,
    padding: str,
) -> None:
    # given a passport's data, names possibly with extra spaces
    line1, line2 = make_td3(
        issuing_state=state,
        family_name=padding + family,
        given_name=given_name.replace(" ", " " + padding) + padding,
        number=number,
        nationality=nationality,
        birth_date=birth,
        sex=sex,
        expiry_date=expiry,
    )
    # when the two lines are composed and parsed again
    assert len(line1) == len(line2) == 44
    mrz = parse_td3(line1, line2)
    # then every field comes back
    assert (mrz.family_name, mrz.given_name) == (family, given_name)
    assert mrz.issuing_state == state
    assert mrz.number == number
    assert mrz.nationality == nationality
    assert mrz.birth_date == birth.strftime("%y%m%d")
    assert mrz.expiry_date == expiry.strftime("%y%m%d")
    assert mrz.sex == sex


CHECKED_POSITIONS = [*range(0, 10), *range(13, 20), *range(21, 28)]  # each field and its digit


@given(
    number=st.text(string.digits, min_size=9, max_size=9),
    birth=mrz_dates,
    expiry=mrz_dates,
    position=st.sampled_from(CHECKED_POSITIONS),
    delta=st.integers(1, 9),
)
def test_a_changed_digit_in_a_checked_field_is_detected(
    number: str, birth: datetime.date, expiry: datetime.date, position: int, delta: int
) -> None:
    # given a valid MRZ
    line1, line2 = make_td3(
        issuing_state="CHN",
        family_name="ZHANG",
        given_name="WEI",
        number=number,
        nationality="CHN",
        birth_date=birth,
        sex="M",
        expiry_date=expiry,
    )
    # when one digit of the number, a date or their check digits is changed
    changed = str((int(line2[position]) + delta) % 10)
    line2 = line2[:position] + changed + line2[position + 1 :]
    # then the check digits catch it
    with pytest.raises(DomainError) as error:
        parse_td3(line1, line2)
    assert error.value.code == "mrz_checksum"


@pytest.mark.parametrize("position", [9, 19, 27, 42, 43])
def test_the_specimen_with_a_wrong_check_digit_is_refused(position: int) -> None:
    line1, line2 = SPECIMEN
    wrong = str((int(line2[position]) + 1) % 10)
    with pytest.raises(DomainError) as error:
        parse_td3(line1, line2[:position] + wrong + line2[position + 1 :])
    assert error.value.code == "mrz_checksum"


@pytest.mark.parametrize(
    ("line1", "line2"),
    [
        (SPECIMEN[0][:-1], SPECIMEN[1]),  # 43 characters
        (SPECIMEN[0], SPECIMEN[1] + "<"),  # 45 characters
        ("", ""),
        (
            "hello world, this is not a machine zone at all",
            "lorem ipsum dolor sit amet consectetur adip!",
        ),
        ("I" + SPECIMEN[0][1:], SPECIMEN[1]),  # an ID card, not a passport
        (SPECIMEN[0].replace("ANNA", "ÄNNA"), SPECIMEN[1]),
    ],
)
def test_malformed_mrz_is_refused(line1: str, line2: str) -> None:
    with pytest.raises(DomainError) as error:
        parse_td3(line1, line2)
    assert error.value.code == "mrz_format"


@given(line1=st.text(max_size=50), line2=st.text(max_size=50))
def test_parse_td3_fails_only_with_a_domain_error(line1: str, line2: str) -> None:
    # given arbitrary text / when parsed / then it either parses or raises DomainError
    codes = set()
    try:
        parse_td3(line1, line2)
    except DomainError as error:
        codes.add(error.code)
    assert codes <= {"mrz_format", "mrz_checksum"}
