"""Registry writes: each use case validates, changes the records and writes its audit rows,
or changes nothing at all."""

import datetime
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from onewindow.audit.models import AuditEvent
from onewindow.audit.services import audit_verify
from onewindow.core.errors import ConflictError, DomainError
from onewindow.geo.models import District
from onewindow.registry.models import (
    DocumentType,
    Employer,
    FamilyLink,
    IdentityDocument,
    InsurancePeriod,
    InsuranceType,
    NameKey,
    Person,
    PersonStatus,
    Relation,
    ResidenceRegistration,
)
from onewindow.registry.names import person_keys
from onewindow.registry.services import (
    document_add,
    employer_register,
    family_link_add,
    insurance_period_add,
    person_create,
    person_set_status,
    residence_register,
)
from onewindow.registry.validators import make_td3

TIANHE, BAIYUN, YUEXIU = "440106", "440111", "440104"
BIRTH = datetime.date(1986, 5, 17)

pytestmark = pytest.mark.django_db


def audit_rows() -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.order_by("seq").values_list("action", "object_type", "object_id")
    )


def resident_id(person: Person, sequence: int = 123, *, born: datetime.date | None = None) -> str:
    """A valid resident ID number for `person` (their hukou place and birth date)."""
    body = f"{person.hukou_place or '110101'}{born or person.birth_date:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")  # the function skips the last character


def wrong_check(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def snapshot() -> dict[str, Any]:
    """Everything a failed registry write must leave as it was."""
    return {
        "audit": audit_rows(),
        "persons": list(Person.objects.order_by("pk").values()),
        "keys": sorted(NameKey.objects.values_list("person_id", "key", "district_id")),
        "documents": list(IdentityDocument.objects.order_by("pk").values()),
        "residences": list(ResidenceRegistration.objects.order_by("pk").values()),
        "employers": list(Employer.objects.order_by("pk").values()),
        "links": list(FamilyLink.objects.order_by("pk").values()),
        "insurance": list(InsurancePeriod.objects.order_by("pk").values()),
    }


@pytest.fixture
def chinese(reference: None) -> Person:
    """A Chinese citizen with no residence and no document yet."""
    return person_create(
        actor=None,
        sex="M",
        birth_date=BIRTH,
        nationality="CN",
        zh_name="单雄信",
        hukou_place="430102",
    )


@pytest.fixture
def at(reference: None) -> Callable[[str], District]:
    return lambda code: District.objects.get(code=code)


# --- persons ---------------------------------------------------------------------------------


def test_person_create_derives_pinyin_latin_names_and_name_keys(reference: None) -> None:
    # given an empty registry
    before = audit_rows()
    # when a Chinese citizen with a polyphonic surname is registered
    person = person_create(
        actor=None,
        sex="M",
        birth_date=BIRTH,
        nationality="cn",
        zh_name=" 单雄信 ",
        hukou_place="440106",
    )
    # then the pinyin and the Latin names are derived, the hukou province kept
    person.refresh_from_db()
    assert person.zh_name == "单雄信"
    assert person.pinyin == "shan xiongxin"
    assert (person.latin_family_name, person.latin_given_name) == ("Shan", "Xiongxin")
    assert (person.nationality, person.hukou_place, person.hukou_province) == ("CN", "440106", "44")
    assert person.status == PersonStatus.ACTIVE
    # and the person is stored under every key of their names, in no district yet
    keys = set(NameKey.objects.filter(person=person).values_list("key", "district_id"))
    expected = person_keys(zh_name="单雄信", latin_family_name="Shan", latin_given_name="Xiongxin")
    assert keys == {(k, None) for k in expected}
    assert {"shanxiongxin", "xiongxinshan", "单雄信"} <= {k for k, _ in keys}
    # and exactly one audit row names the new person
    assert audit_rows() == [*before, ("create", "person", str(person.uid))]


def test_person_create_keeps_given_latin_names(reference: None) -> None:
    person = person_create(
        actor=None,
        sex="F",
        birth_date=BIRTH,
        nationality="CN",
        zh_name="曾小敏",
        latin_family_name="Tsang",
        latin_given_name="Siu Man",
        hukou_place="440106",
    )
    assert person.pinyin == "zeng xiaomin"
    assert (person.latin_family_name, person.latin_given_name) == ("Tsang", "Siu Man")
    keys = set(NameKey.objects.filter(person=person).values_list("key", flat=True))
    assert {"zengxiaomin", "tsangsiuman"} <= keys


def test_a_foreigner_needs_no_hukou_and_keeps_none(reference: None) -> None:
    person = person_create(
        actor=None,
        sex="M",
        birth_date=BIRTH,
        nationality="ru",
        family_name="Петров",
        given_name="Иван",
        latin_family_name="PETROV",
        latin_given_name="IVAN",
        hukou_place="440106",
    )
    assert (person.nationality, person.hukou_place, person.hukou_province) == ("RU", "", "")
    keys = set(NameKey.objects.filter(person=person).values_list("key", flat=True))
    assert {"ivanpetrov", "petrovivan", "иванпетров"} <= keys


@pytest.mark.parametrize("hukou_place", ["", "44010", "4401061", "abcdef"])
def test_a_chinese_citizen_without_hukou_is_refused(reference: None, hukou_place: str) -> None:
    # given the registry as it is
    before = snapshot()
    # when a Chinese citizen is registered without a (valid) hukou place
    with pytest.raises(DomainError) as error:
        person_create(
            actor=None,
            sex="F",
            birth_date=BIRTH,
            nationality="CN",
            zh_name="王芳",
            hukou_place=hukou_place,
        )
    # then nothing is stored
    assert error.value.code == "hukou_required"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"zh_name": ""}, "name_required"),
        ({"birth_date": datetime.date.today() + datetime.timedelta(days=2)}, "birth_date_future"),
    ],
)
def test_person_create_refuses_a_person_without_name_or_born_in_the_future(
    reference: None, fields: dict[str, Any], code: str
) -> None:
    before = snapshot()
    data = {
        "sex": "F",
        "birth_date": BIRTH,
        "nationality": "CN",
        "zh_name": "王芳",
        "hukou_place": "440106",
    } | fields
    with pytest.raises(DomainError) as error:
        person_create(actor=None, **data)
    assert error.value.code == code
    assert snapshot() == before


def test_a_person_cannot_be_deleted(chinese: Person) -> None:
    # when a person is deleted / then it is refused and the row stays
    with pytest.raises(TypeError):
        chinese.delete()
    assert Person.objects.filter(pk=chinese.pk).exists()


def test_person_set_status_changes_status_and_version(chinese: Person) -> None:
    before = audit_rows()
    person = person_set_status(
        actor=None,
        person=chinese,
        status=PersonStatus.DEPARTED,
        version=chinese.version,
        why="registration",
    )
    assert (person.status, person.version) == (PersonStatus.DEPARTED, chinese.version + 1)
    assert audit_rows() == [*before, ("status", "person", str(chinese.uid))]


def test_person_set_status_with_a_stale_version_is_a_conflict(chinese: Person, at: Any) -> None:
    # given a person changed by someone else since this copy was read
    stale = chinese.version
    residence_register(
        actor=None,
        person=chinese,
        address="天河路1号",
        district=at(TIANHE),
        valid_from=datetime.date(2023, 1, 1),
    )
    before = snapshot()
    # when the status is set with the old version
    with pytest.raises(ConflictError) as error:
        person_set_status(
            actor=None,
            person=chinese,
            status=PersonStatus.DECEASED,
            version=stale,
            why="registration",
        )
    # then it is a conflict (409) and nothing changed
    assert error.value.code == "conflict"
    assert error.value.status == 409
    assert snapshot() == before


def test_person_set_status_refuses_an_unknown_status(chinese: Person) -> None:
    before = snapshot()
    with pytest.raises(DomainError) as error:
        person_set_status(
            actor=None, person=chinese, status="deleted", version=chinese.version, why="x"
        )
    assert error.value.code == "status_invalid"
    assert snapshot() == before


# --- identity documents ----------------------------------------------------------------------


def test_document_add_stores_a_resident_id_in_compact_form(chinese: Person) -> None:
    # given a person and their ID number, typed with spaces and a lower-case x if any
    number = resident_id(chinese)
    typed = f"{number[:6]} {number[6:14]} {number[14:]}".lower()
    before = audit_rows()
    # when it is added
    doc = document_add(
        actor=None,
        person=chinese,
        doc_type=DocumentType.RESIDENT_ID,
        number=typed,
        issuing_country="chn",
    )
    # then the compact number is stored, and one audit row written
    doc.refresh_from_db()
    assert (doc.number, doc.issuing_country, doc.person_id) == (number, "CHN", chinese.pk)
    assert audit_rows() == [*before, ("document_add", "person", str(chinese.uid))]


def test_document_add_with_a_wrong_check_digit_stores_nothing(chinese: Person) -> None:
    before = snapshot()
    with pytest.raises(DomainError) as error:
        document_add(
            actor=None,
            person=chinese,
            doc_type=DocumentType.RESIDENT_ID,
            number=wrong_check(resident_id(chinese)),
            issuing_country="CHN",
        )
    assert error.value.code == "id_checksum"
    assert snapshot() == before


def test_document_add_with_another_birth_date_is_refused(chinese: Person) -> None:
    # given a valid ID number, but of someone born a day later
    number = resident_id(chinese, born=BIRTH + datetime.timedelta(days=1))
    before = snapshot()
    with pytest.raises(DomainError) as error:
        document_add(
            actor=None,
            person=chinese,
            doc_type=DocumentType.RESIDENT_ID,
            number=number,
            issuing_country="CHN",
        )
    assert error.value.code == "id_birth_date"
    assert snapshot() == before


def test_a_document_registered_twice_is_refused(chinese: Person) -> None:
    # given a person with their ID card, and a second person born the same day
    number = resident_id(chinese)
    document_add(
        actor=None,
        person=chinese,
        doc_type=DocumentType.RESIDENT_ID,
        number=number,
        issuing_country="CHN",
    )
    other = person_create(
        actor=None,
        sex="F",
        birth_date=BIRTH,
        nationality="CN",
        zh_name="王芳",
        hukou_place="430102",
    )
    before = snapshot()
    # when the same number is added to either of them / then it is refused, nothing stored
    for person in (chinese, other):
        with pytest.raises(DomainError) as error:
            document_add(
                actor=None,
                person=person,
                doc_type=DocumentType.RESIDENT_ID,
                number=number,
                issuing_country="CHN",
            )
        assert error.value.code == "document_exists"
    assert snapshot() == before


def passport_mrz(number: str) -> str:
    line1, line2 = make_td3(
        issuing_state="RUS",
        family_name="PETROV",
        given_name="IVAN",
        number=number,
        nationality="RUS",
        birth_date=BIRTH,
        sex="M",
        expiry_date=datetime.date(2031, 3, 1),
    )
    return f"{line1}\n{line2}\n"


@pytest.fixture
def foreigner(reference: None) -> Person:
    return person_create(
        actor=None,
        sex="M",
        birth_date=BIRTH,
        nationality="RU",
        family_name="Петров",
        given_name="Иван",
        latin_family_name="PETROV",
        latin_given_name="IVAN",
    )


def test_a_passport_with_its_mrz_is_stored(foreigner: Person) -> None:
    before = audit_rows()
    doc = document_add(
        actor=None,
        person=foreigner,
        doc_type=DocumentType.PASSPORT,
        number="75 1234567",
        issuing_country="RUS",
        mrz=passport_mrz("751234567").lower(),
        issue_date=datetime.date(2021, 3, 1),
        expiry_date=datetime.date(2031, 3, 1),
    )
    doc.refresh_from_db()
    assert doc.number == "751234567"
    assert doc.mrz == passport_mrz("751234567").strip()
    assert audit_rows() == [*before, ("document_add", "person", str(foreigner.uid))]


def test_a_passport_whose_mrz_has_another_number_is_refused(foreigner: Person) -> None:
    before = snapshot()
    with pytest.raises(DomainError) as error:
        document_add(
            actor=None,
            person=foreigner,
            doc_type=DocumentType.PASSPORT,
            number="751234567",
            issuing_country="RUS",
            mrz=passport_mrz("751234568"),
        )
    assert error.value.code == "mrz_number"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("mrz", "code"),
    [
        ("P<RUSPETROV<<IVAN", "mrz_format"),
        (passport_mrz("751234567").replace("751234567", "751234576", 1), "mrz_checksum"),
    ],
)
def test_a_passport_with_a_bad_mrz_is_refused(foreigner: Person, mrz: str, code: str) -> None:
    before = snapshot()
    with pytest.raises(DomainError) as error:
        document_add(
            actor=None,
            person=foreigner,
            doc_type=DocumentType.PASSPORT,
            number="751234576",
            issuing_country="RUS",
            mrz=mrz,
        )
    assert error.value.code == code
    assert snapshot() == before


# --- residence -------------------------------------------------------------------------------


def test_a_new_residence_closes_the_open_one_and_moves_the_person(chinese: Person, at: Any) -> None:
    # given a person living in Tianhe since 2023
    first = residence_register(
        actor=None,
        person=chinese,
        address="天河路1号",
        district=at(TIANHE),
        valid_from=datetime.date(2023, 1, 1),
    )
    chinese.refresh_from_db()
    assert chinese.current_district == at(TIANHE)
    assert set(NameKey.objects.filter(person=chinese).values_list("district_id", flat=True)) == {
        at(TIANHE).pk
    }
    version, before = chinese.version, audit_rows()
    # when they register in Baiyun from 1 June 2024
    second = residence_register(
        actor=None,
        person=chinese,
        address="白云大道2号",
        district=at(BAIYUN),
        valid_from=datetime.date(2024, 6, 1),
    )
    # then the Tianhe registration ends the day before, the Baiyun one is open
    first.refresh_from_db()
    assert first.valid_to == datetime.date(2024, 5, 31)
    assert (second.valid_from, second.valid_to) == (datetime.date(2024, 6, 1), None)
    # and the person, and every one of their name keys, moved to Baiyun
    chinese.refresh_from_db()
    assert chinese.current_district == at(BAIYUN)
    assert chinese.version == version + 1
    assert set(NameKey.objects.filter(person=chinese).values_list("district_id", flat=True)) == {
        at(BAIYUN).pk
    }
    assert audit_rows() == [*before, ("residence_register", "person", str(chinese.uid))]


@pytest.mark.parametrize(
    "valid_from",
    [
        datetime.date(2022, 6, 1),  # inside the closed Tianhe period
        datetime.date(2022, 12, 31),  # its last day
        datetime.date(2023, 1, 1),  # the first day of the open Baiyun period
        datetime.date(2019, 1, 1),  # before everything
    ],
)
def test_a_residence_overlapping_a_recorded_one_is_refused(
    chinese: Person, at: Any, valid_from: datetime.date
) -> None:
    # given Tianhe from 2020 to the end of 2022, then Baiyun from 2023
    residence_register(
        actor=None,
        person=chinese,
        address="天河路1号",
        district=at(TIANHE),
        valid_from=datetime.date(2020, 1, 1),
    )
    residence_register(
        actor=None,
        person=chinese,
        address="白云大道2号",
        district=at(BAIYUN),
        valid_from=datetime.date(2023, 1, 1),
    )
    before = snapshot()
    # when a registration is made from a date that is already covered
    with pytest.raises(DomainError) as error:
        residence_register(
            actor=None,
            person=chinese,
            address="越秀路3号",
            district=at(YUEXIU),
            valid_from=valid_from,
        )
    # then it is refused and nothing changed
    assert error.value.code == "residence_overlap"
    assert snapshot() == before


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    moves=st.lists(
        st.tuples(st.integers(0, 2000), st.sampled_from([TIANHE, BAIYUN, YUEXIU])),
        min_size=1,
        max_size=5,
    )
)
def test_residence_periods_never_overlap(reference: None, moves: list[tuple[int, str]]) -> None:
    # given a new person
    person = person_create(
        actor=None,
        sex="X",
        birth_date=BIRTH,
        nationality="DE",
        latin_family_name="Muller",
        latin_given_name="Anna",
    )
    # when registrations are made from any dates, in any order
    refused: list[str] = []
    for offset, code in moves:
        try:
            residence_register(
                actor=None,
                person=person,
                address="x",
                district=District.objects.get(code=code),
                valid_from=datetime.date(2020, 1, 1) + datetime.timedelta(days=offset),
            )
        except DomainError as error:
            refused.append(error.code)
    # then only overlaps were refused, the periods are ordered and disjoint, the last open,
    assert set(refused) <= {"residence_overlap"}
    periods = list(
        ResidenceRegistration.objects.filter(person=person)
        .order_by("valid_from")
        .values_list("valid_from", "valid_to", "district_id")
    )
    assert periods
    for (start, end, _), (next_start, _, _) in itertools.pairwise(periods):
        assert end is not None and start <= end < next_start
    assert periods[-1][1] is None
    # and the person and their name keys are in the district of the open registration
    person.refresh_from_db()
    assert person.current_district_id == periods[-1][2]
    assert set(NameKey.objects.filter(person=person).values_list("district_id", flat=True)) == {
        periods[-1][2]
    }


# --- employers -------------------------------------------------------------------------------


def test_employer_register_with_a_valid_code(reference: None, at: Any) -> None:
    body = "91440106MA5" + "D00001"
    code = body + uscc.calc_check_digit(body)
    before = audit_rows()
    employer = employer_register(
        actor=None, name="天河科技", uscc=code.lower(), district=at(TIANHE)
    )
    assert employer.uscc == code
    assert audit_rows() == [*before, ("create", "employer", str(employer.uid))]
    # and a second registration under the same code is refused
    with pytest.raises(DomainError) as error:
        employer_register(actor=None, name="又一个", uscc=code)
    assert error.value.code == "employer_exists"
    assert Employer.objects.count() == 1
    assert len(audit_rows()) == len(before) + 1


def test_employer_register_with_a_wrong_check_character_is_refused(reference: None) -> None:
    body = "91440106MA5" + "D00001"
    right = uscc.calc_check_digit(body)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        employer_register(actor=None, name="天河科技", uscc=body + ("1" if right != "1" else "2"))
    assert error.value.code == "uscc_checksum"
    assert snapshot() == before


# --- family ----------------------------------------------------------------------------------


def test_family_link_add_creates_the_reciprocal_link(chinese: Person) -> None:
    # given a parent and a child
    child = person_create(
        actor=None,
        sex="F",
        birth_date=datetime.date(2015, 2, 3),
        nationality="CN",
        zh_name="单小红",
        hukou_place="430102",
    )
    before = audit_rows()
    # when the child is linked to the parent
    link = family_link_add(actor=None, person=chinese, relative=child, relation=Relation.CHILD)
    # then the parent has a child and the child a parent
    assert (link.person, link.relative, link.relation) == (chinese, child, Relation.CHILD)
    links = set(FamilyLink.objects.values_list("person_id", "relative_id", "relation"))
    assert links == {(chinese.pk, child.pk, "child"), (child.pk, chinese.pk, "parent")}
    assert audit_rows() == [*before, ("family_add", "person", str(chinese.uid))]
    # and linking them again, either way round, is refused
    for person, relative, relation in (
        (chinese, child, Relation.CHILD),
        (child, chinese, Relation.PARENT),
    ):
        with pytest.raises(DomainError) as error:
            family_link_add(actor=None, person=person, relative=relative, relation=relation)
        assert error.value.code == "family_exists"
    assert FamilyLink.objects.count() == 2


def test_spouses_are_linked_both_ways(chinese: Person, foreigner: Person) -> None:
    family_link_add(actor=None, person=foreigner, relative=chinese, relation=Relation.SPOUSE)
    assert set(FamilyLink.objects.values_list("person_id", "relative_id", "relation")) == {
        (foreigner.pk, chinese.pk, "spouse"),
        (chinese.pk, foreigner.pk, "spouse"),
    }


def test_a_person_is_not_their_own_relative(chinese: Person) -> None:
    before = snapshot()
    with pytest.raises(DomainError) as error:
        family_link_add(actor=None, person=chinese, relative=chinese, relation=Relation.SPOUSE)
    assert error.value.code == "family_self"
    assert snapshot() == before


# --- social insurance ------------------------------------------------------------------------


def test_insurance_periods_of_one_type_do_not_overlap(chinese: Person) -> None:
    # given a pension period through 2020
    insurance_period_add(
        actor=None,
        person=chinese,
        insurance_type=InsuranceType.PENSION,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2020, 12, 31),
    )
    before = snapshot()
    # when another pension period starts inside it / then it is refused
    for start, end in (
        (datetime.date(2020, 6, 1), None),
        (datetime.date(2020, 12, 31), datetime.date(2021, 5, 1)),
        (datetime.date(2019, 1, 1), datetime.date(2020, 1, 1)),
        (datetime.date(2019, 1, 1), None),
    ):
        with pytest.raises(DomainError) as error:
            insurance_period_add(
                actor=None,
                person=chinese,
                insurance_type=InsuranceType.PENSION,
                start_date=start,
                end_date=end,
            )
        assert error.value.code == "insurance_overlap"
    assert snapshot() == before
    # and a medical period at the same time, or a pension from 2021, is accepted
    insurance_period_add(
        actor=None,
        person=chinese,
        insurance_type=InsuranceType.MEDICAL,
        start_date=datetime.date(2020, 6, 1),
    )
    insurance_period_add(
        actor=None,
        person=chinese,
        insurance_type=InsuranceType.PENSION,
        start_date=datetime.date(2021, 1, 1),
    )
    assert InsurancePeriod.objects.filter(person=chinese).count() == 3
    assert audit_rows() == [*before["audit"], *[("insurance_add", "person", str(chinese.uid))] * 2]


def test_an_insurance_period_ending_before_it_starts_is_refused(chinese: Person) -> None:
    before = snapshot()
    with pytest.raises(DomainError) as error:
        insurance_period_add(
            actor=None,
            person=chinese,
            insurance_type=InsuranceType.PENSION,
            start_date=datetime.date(2020, 1, 2),
            end_date=datetime.date(2020, 1, 1),
        )
    assert error.value.code == "period_reversed"
    assert snapshot() == before


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    periods=st.lists(
        st.tuples(st.integers(0, 60), st.one_of(st.none(), st.integers(0, 30))),
        min_size=1,
        max_size=6,
    )
)
def test_accepted_insurance_periods_never_overlap(
    reference: None, periods: list[tuple[int, int | None]]
) -> None:
    person = person_create(
        actor=None,
        sex="F",
        birth_date=BIRTH,
        nationality="FR",
        latin_family_name="Martin",
        latin_given_name="Claire",
    )
    day = datetime.date(2020, 1, 1)
    refused: list[str] = []
    for start, length in periods:
        begin = day + datetime.timedelta(days=start)
        end = None if length is None else begin + datetime.timedelta(days=length)
        try:
            insurance_period_add(
                actor=None,
                person=person,
                insurance_type=InsuranceType.PENSION,
                start_date=begin,
                end_date=end,
            )
        except DomainError as error:
            refused.append(error.code)
    assert set(refused) <= {"insurance_overlap"}
    stored = sorted(
        InsurancePeriod.objects.filter(person=person).values_list("start_date", "end_date")
    )
    for (_, end), (next_start, _) in itertools.pairwise(stored):
        assert end is not None and end < next_start


def test_the_audit_chain_is_intact_after_registry_work(chinese: Person, at: Any) -> None:
    residence_register(
        actor=None,
        person=chinese,
        address="天河路1号",
        district=at(TIANHE),
        valid_from=datetime.date(2023, 1, 1),
    )
    document_add(
        actor=None,
        person=chinese,
        doc_type=DocumentType.RESIDENT_ID,
        number=resident_id(chinese),
        issuing_country="CHN",
    )
    count, problems = audit_verify()
    assert problems == []
    assert count == AuditEvent.objects.count() >= 3
