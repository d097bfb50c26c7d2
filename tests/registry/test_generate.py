"""The synthetic city generator: valid, consistent, reproducible and resumable."""

import datetime
import itertools
import re
import uuid
from collections import Counter, defaultdict
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from stdnum.cn import ric, uscc

from onewindow.accounts.models import Role
from onewindow.audit.models import AuditEvent
from onewindow.core.errors import DomainError
from onewindow.registry import generate
from onewindow.registry.generate import REFERENCE_DATE, generate_city
from onewindow.registry.models import (
    Education,
    Employer,
    Employment,
    FamilyLink,
    GenerationRun,
    IdentityDocument,
    InsurancePeriod,
    NameKey,
    Person,
    ResidenceRegistration,
)
from onewindow.registry.names import person_keys
from onewindow.registry.selectors import person_search
from onewindow.registry.validators import parse_td3

pytestmark = pytest.mark.django_db

GENERATED = (
    Employer,
    Person,
    IdentityDocument,
    ResidenceRegistration,
    NameKey,
    Employment,
    Education,
    InsurancePeriod,
    FamilyLink,
)


def population() -> dict[str, list[tuple[Any, ...]]]:
    """Every generated row, in id order, without its uid and timestamps."""
    skip = {"uid", "created_at", "updated_at"}
    return {
        model.__name__: list(
            model.objects.order_by("id").values_list(
                *[f.attname for f in model._meta.concrete_fields if f.name not in skip]
            )
        )
        for model in GENERATED
    }


def empty_registry() -> None:
    """Delete the generated population (the application never deletes persons; the test
    does, with SQL, to generate again into an empty registry)."""
    with connection.cursor() as cursor:
        for model in (*reversed(GENERATED), GenerationRun):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a model's table name)


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@pytest.fixture
def city(reference: None) -> dict[str, int]:
    """A small city: 1,200 persons in three chunks."""
    return generate_city(persons=1200, seed=11, chunk_size=400, progress=False)


def test_generates_the_persons_asked_for_in_chunks(city):
    # given an empty registry, when 1,200 persons are generated in chunks of 400
    # then there are 1,200 persons with explicit, consecutive ids, and the run is finished
    assert city["persons"] == Person.objects.count() == 1200
    assert city["chunks"] == 3
    assert list(Person.objects.order_by("id").values_list("id", flat=True)) == list(range(1, 1201))
    run = GenerationRun.objects.get()
    assert (run.chunks_done, run.id_base, run.chunk_size) == (3, 1, 400)
    assert run.finished_at is not None
    # one audit row per chunk, in the chunk's transaction
    events = AuditEvent.objects.filter(action="bulk_create", why="generate").order_by("seq")
    assert [e.details for e in events] == [
        {"chunk": i, "persons": 400, "first_id": 400 * i + 1, "last_id": 400 * (i + 1)}
        for i in range(3)
    ]


def test_every_resident_id_number_is_valid_unique_and_matches_the_person(city):
    docs = IdentityDocument.objects.filter(doc_type="resident_id").select_related("person")
    numbers = [d.number for d in docs]
    assert len(numbers) == len(set(numbers)) == Person.objects.filter(nationality="CN").count()
    for doc in docs:
        person = doc.person
        assert ric.validate(doc.number) == doc.number
        assert doc.number[:6] == person.hukou_place
        assert person.hukou_province == person.hukou_place[:2]
        assert ric.get_birth_date(doc.number) == person.birth_date
        assert int(doc.number[14:17]) % 2 == (1 if person.sex == "M" else 0)
        assert doc.issuing_country == "CHN"
        if age_on(person.birth_date, REFERENCE_DATE) < 16:
            assert doc.issue_date is None
        else:
            assert doc.issue_date <= REFERENCE_DATE


def test_every_employer_has_a_valid_unique_credit_code(city):
    codes = list(Employer.objects.values_list("uscc", flat=True))
    assert len(codes) == len(set(codes)) == 30  # one employer per 40 persons
    for code in codes:
        assert uscc.validate(code) == code
        assert code.startswith("914401")


def test_foreigners_have_names_in_their_script_and_a_valid_passport(reference, monkeypatch):
    # given a city where half the adults are foreign (to see many nationalities)
    monkeypatch.setattr(generate, "FOREIGN_SHARE_OF_ADULTS", 0.5)
    generate_city(persons=800, seed=3, chunk_size=400, progress=False)
    foreigners = Person.objects.exclude(nationality="CN").prefetch_related("documents")
    nationalities = Counter(p.nationality for p in foreigners)
    assert len(nationalities) >= 15
    scripts = set()
    for person in foreigners:
        # then the Latin names are ASCII (as in the passport) and the MRZ checks
        assert person.latin_family_name.isascii() and person.latin_given_name.isascii()
        assert person.hukou_place == person.hukou_province == ""
        (passport,) = person.documents.all()
        assert passport.doc_type == "passport"
        assert re.fullmatch(r"[A-Z]{0,2}[0-9]{7,9}", passport.number)
        assert len(passport.number) == 9
        assert len(passport.issuing_country) == 3
        assert passport.issue_date < passport.expiry_date
        mrz = parse_td3(*passport.mrz.split("\n"))
        assert mrz.number == passport.number
        assert mrz.issuing_state == mrz.nationality == passport.issuing_country
        assert mrz.birth_date == person.birth_date.strftime("%y%m%d")
        assert mrz.sex == person.sex
        if person.zh_name:
            assert person.pinyin
        name = person.family_name + person.given_name
        for script, pattern in {
            "cyrillic": r"[\u0400-\u04ff]",
            "hangul": r"[\uac00-\ud7af]",
            "arabic": r"[\u0600-\u06ff]",
            "thai": r"[\u0e00-\u0e7f]",
            "kanji": r"[\u4e00-\u9fff]",
            "diacritics": r"[À-ÿĀ-žƠ-ưẠ-ỹ]",
        }.items():
            if re.search(pattern, name):
                scripts.add(script)
    assert scripts == {"cyrillic", "hangul", "arabic", "thai", "kanji", "diacritics"}
    passports = list(IdentityDocument.objects.filter(doc_type="passport").values_list("number"))
    assert len(passports) == len(set(passports))


def test_chinese_names_carry_their_pinyin_as_the_services_derive_it(city):
    for person in Person.objects.filter(nationality="CN"):
        assert person.zh_name == person.family_name + person.given_name
        assert 1 <= len(person.given_name) <= 2
        family, given = person.pinyin.split(" ")
        assert (person.latin_family_name, person.latin_given_name) == (
            family.title(),
            given.title(),
        )


def test_name_keys_are_the_keys_of_each_person_under_their_district(city):
    keys = defaultdict(set)
    for person_id, key, district_id in NameKey.objects.values_list(
        "person_id", "key", "district_id"
    ):
        keys[person_id].add((key, district_id))
    for person in Person.objects.all():
        expected = person_keys(
            family_name=person.family_name,
            given_name=person.given_name,
            latin_family_name=person.latin_family_name,
            latin_given_name=person.latin_given_name,
            zh_name=person.zh_name,
        )
        assert keys[person.pk] == {(k, person.current_district_id) for k in expected}


def test_residences_never_overlap_and_the_open_one_is_the_current_district(city):
    by_person = defaultdict(list)
    for reg in ResidenceRegistration.objects.order_by("valid_from"):
        by_person[reg.person_id].append(reg)
    persons = Person.objects.in_bulk()
    moved = 0
    for person_id, regs in by_person.items():
        person = persons[person_id]
        *closed, current = regs
        assert current.valid_to is None
        assert person.current_district_id == current.district_id
        assert person.birth_date <= current.valid_from <= REFERENCE_DATE
        assert current.address.startswith("广州市")
        for earlier, later in itertools.pairwise(regs):
            assert earlier.valid_to == later.valid_from - datetime.timedelta(days=1)
            assert earlier.district_id != later.district_id
            assert earlier.valid_from <= earlier.valid_to
        moved += bool(closed)
    assert set(by_person) == set(persons)
    assert 0.12 < moved / len(persons) < 0.25


def test_families_are_reciprocal_and_live_together(city):
    persons = Person.objects.in_bulk()
    links = {(link.person_id, link.relative_id): link.relation for link in FamilyLink.objects.all()}
    reciprocal = {"spouse": "spouse", "child": "parent", "parent": "child"}
    homes = dict(
        ResidenceRegistration.objects.filter(valid_to=None).values_list("person_id", "address")
    )
    for (person_id, relative_id), relation in links.items():
        assert links[(relative_id, person_id)] == reciprocal[relation]
        person, relative = persons[person_id], persons[relative_id]
        if relation == "child":  # person is the parent of relative
            parent_age = age_on(person.birth_date, REFERENCE_DATE)
            assert parent_age - age_on(relative.birth_date, REFERENCE_DATE) >= 20
        assert homes[person_id] == homes[relative_id]
        assert person.current_district_id == relative.current_district_id
    assert Counter(links.values())["spouse"] > 0
    assert Counter(links.values())["child"] > 0


def test_work_education_and_insurance_are_consistent(city):
    persons = Person.objects.in_bulk()
    adults = {pk for pk, p in persons.items() if age_on(p.birth_date, REFERENCE_DATE) >= 18}
    educated = list(Education.objects.values_list("person_id", flat=True))
    assert sorted(educated) == sorted(adults)
    jobs = Employment.objects.all()
    current = {job.person_id for job in jobs if job.end_date is None}
    assert 0.55 < len(current) / len(persons) < 0.75
    for job in jobs:
        assert age_on(persons[job.person_id].birth_date, job.start_date) >= 16
        assert job.end_date is None or job.start_date < job.end_date
    periods = defaultdict(list)
    for period in InsurancePeriod.objects.order_by("start_date"):
        assert period.person_id in current
        periods[(period.person_id, period.insurance_type)].append(period)
    for same_type in periods.values():
        for earlier, later in itertools.pairwise(same_type):
            assert earlier.end_date is not None and earlier.end_date < later.start_date


def test_values_read_back_through_the_orm(city):
    # the values written with bulk SQL read back as the ORM's own would
    person = Person.objects.select_related("current_district").get(pk=1)
    assert isinstance(person.uid, uuid.UUID)
    assert person.uid.version == 7
    assert timezone.is_aware(person.created_at)
    assert abs(timezone.now() - person.created_at) < datetime.timedelta(minutes=5)
    assert person.created_at == person.updated_at
    assert isinstance(person.birth_date, datetime.date)
    assert (person.status, person.version) == ("active", 1)
    assert Person.objects.filter(uid=person.uid).get() == person
    assert Person.objects.filter(birth_date__lte=REFERENCE_DATE).count() == 1200
    assert Person.objects.filter(created_at__lte=timezone.now()).count() == 1200


def test_the_same_seed_gives_the_same_population(reference):
    # given a population generated from seed 5, then emptied
    generate_city(persons=500, seed=5, chunk_size=200, progress=False)
    first = population()
    empty_registry()
    # when it is generated again from the same seed
    generate_city(persons=500, seed=5, chunk_size=200, progress=False)
    # then every row is the same (except uids and timestamps)
    assert population() == first
    # and another seed gives other people
    empty_registry()
    generate_city(persons=500, seed=6, chunk_size=200, progress=False)
    assert population()["Person"] != first["Person"]


def test_an_interrupted_run_resumes_to_the_same_population(reference, monkeypatch):
    # given the population an uninterrupted run writes
    generate_city(persons=500, seed=9, chunk_size=100, progress=False)
    expected = population()
    empty_registry()
    # when a run is interrupted (Ctrl-C) inside the transaction of chunk 2
    record = generate.audit_record

    def interrupt_in_chunk_2(**kwargs: Any) -> Any:
        event = record(**kwargs)
        if kwargs["details"]["chunk"] == 2:
            raise KeyboardInterrupt
        return event

    monkeypatch.setattr(generate, "audit_record", interrupt_in_chunk_2)
    logged = AuditEvent.objects.filter(why="generate").count()
    with pytest.raises(KeyboardInterrupt):
        generate_city(persons=500, seed=9, chunk_size=100, progress=False)
    # then only the chunks before it are kept, with their audit rows
    run = GenerationRun.objects.get()
    assert (run.chunks_done, run.finished_at) == (2, None)
    assert Person.objects.count() == 200
    assert AuditEvent.objects.filter(why="generate").count() == logged + 2
    # and when the run is started again, it finishes with exactly the same rows
    monkeypatch.setattr(generate, "audit_record", record)
    written = generate_city(persons=500, seed=9, chunk_size=100, progress=False)
    assert (written["chunks"], written["persons"]) == (3, 300)
    assert population() == expected
    assert GenerationRun.objects.get().finished_at is not None


def test_a_resumed_run_keeps_the_chunk_size_it_started_with(reference, monkeypatch):
    record = generate.audit_record

    def interrupt_in_chunk_1(**kwargs: Any) -> Any:
        if kwargs["details"]["chunk"] == 1:
            raise KeyboardInterrupt
        return record(**kwargs)

    monkeypatch.setattr(generate, "audit_record", interrupt_in_chunk_1)
    with pytest.raises(KeyboardInterrupt):
        generate_city(persons=300, seed=4, chunk_size=100, progress=False)
    monkeypatch.setattr(generate, "audit_record", record)
    written = generate_city(persons=300, seed=4, chunk_size=250, progress=False)
    assert (written["chunks"], written["persons"]) == (2, 200)
    assert GenerationRun.objects.get().chunk_size == 100


def test_a_finished_run_is_not_repeated(city):
    # given a finished run
    before = population()
    events = AuditEvent.objects.count()
    # when the same (persons, seed) is generated again
    written = generate_city(persons=1200, seed=11, chunk_size=400, progress=False)
    # then nothing is written
    assert written["chunks"] == written["persons"] == 0
    assert population() == before
    assert AuditEvent.objects.count() == events


def test_another_population_in_the_same_database_is_refused(city):
    with pytest.raises(DomainError) as error:
        generate_city(persons=100, seed=12, progress=False)
    assert error.value.code == "generation_exists"
    assert Person.objects.count() == 1200


def test_generated_persons_are_found_by_search(city, make_user):
    # given an administrator, and a generated citizen
    admin = make_user(Role.ADMINISTRATOR)
    person = Person.objects.filter(nationality="CN").order_by("id").first()
    # when searching by the characters, by pinyin in either order, or by the ID number
    number = person.documents.get().number
    for query in (
        person.zh_name,
        f"{person.latin_given_name} {person.latin_family_name}",
        person.pinyin.replace(" ", ""),
        number,
    ):
        # then the person is found
        assert person.uid in [p.uid for p in person_search(user=admin, query=query).persons]


def test_the_management_command_loads_geography_and_generates(db):
    from django.core.management import call_command

    # given an empty database, without even the reference geography
    call_command("generate", persons=150, seed=2, chunk_size=100, no_progress=True)
    assert Person.objects.count() == 150
    # and running it again does nothing
    call_command("generate", persons=150, seed=2, chunk_size=100, no_progress=True)
    assert Person.objects.count() == 150


def test_the_services_go_on_registering_after_generation(city, make_person):
    # given a generated city (ids written explicitly, sequences moved past them)
    # when a person is registered through the services, with a residence and an ID card
    person = make_person(zh_name="李明")
    # then they get the next ids
    assert person.pk == 1201
    assert (
        person.residences.get().pk
        > ResidenceRegistration.objects.exclude(person=person).latest("id").pk
    )
    assert person.documents.get().pk > 1200
