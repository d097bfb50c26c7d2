"""Search by every kind of name and number, ranked, paginated and scoped."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.accounts.models import Role
from onewindow.registry.models import DocumentType
from onewindow.registry.selectors import person_search
from onewindow.registry.services import document_add
from onewindow.registry.validators import make_td3
from tests.conftest import BAIYUN, TIANHE

pytestmark = pytest.mark.django_db

ZHANG_WEI_QUERIES = [
    "张伟",
    "zhang wei",
    "Wei Zhang",
    "zhangwei",
    "zhāng wěi",
    "Zhang-Wei",
    "ZHANG WEI",
]


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER, districts=[TIANHE])


@pytest.fixture
def zhang_wei(make_person):
    return make_person(zh_name="张伟")


@pytest.fixture
def garcia(make_person):
    return make_person(
        nationality="ES",
        family_name="García",
        given_name="José",
        latin_family_name="GARCIA",
        latin_given_name="JOSE",
    )


def uids(page):
    return [p.uid for p in page.persons]


@pytest.mark.parametrize("query", ZHANG_WEI_QUERIES)
def test_chinese_name_found_by_characters_and_every_pinyin_form(officer, zhang_wei, query):
    # given 张伟 registered in the officer's district
    # when the officer searches in any form of the name
    page = person_search(user=officer, query=query)
    # then 张伟 is found
    assert zhang_wei.uid in uids(page)


@pytest.mark.parametrize("query", ["José  García", "garcia jose", "GARCIA, Jose", "Jose Garcia"])
def test_latin_name_ignores_case_diacritics_and_order(officer, garcia, query):
    assert uids(person_search(user=officer, query=query)) == [garcia.uid]


def test_original_script_and_transliteration(officer, make_person):
    # given a Russian citizen with a Cyrillic name and its passport spelling
    ivan = make_person(
        nationality="RU",
        family_name="Петров",
        given_name="Иван",
        latin_family_name="PETROV",
        latin_given_name="IVAN",
    )
    # then Cyrillic in either order and Latin letters find him
    for query in ["Иван Петров", "петров иван", "ivan petrov"]:
        assert uids(person_search(user=officer, query=query)) == [ivan.uid]


def test_exact_resident_id_number(officer, zhang_wei):
    number = zhang_wei.documents.get().number
    assert uids(person_search(user=officer, query=number)) == [zhang_wei.uid]
    # spaces and a lower-case x are tolerated
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}".lower()
    assert uids(person_search(user=officer, query=spaced)) == [zhang_wei.uid]


def test_passport_number(officer, garcia):
    lines = make_td3(
        issuing_state="ESP",
        family_name="GARCIA",
        given_name="JOSE",
        number="PAB123456",
        nationality="ESP",
        birth_date=garcia.birth_date,
        sex="M",
        expiry_date=datetime.date(2031, 1, 1),
    )
    document_add(
        actor=None,
        person=garcia,
        doc_type=DocumentType.PASSPORT,
        number="PAB123456",
        issuing_country="ESP",
        mrz="\n".join(lines),
    )
    assert uids(person_search(user=officer, query="pab123456")) == [garcia.uid]


def test_exact_matches_rank_before_prefix_matches(officer, make_person):
    # given 张伟明 registered before 张伟
    longer = make_person(zh_name="张伟明")
    exact = make_person(zh_name="张伟")
    # when searching "zhang wei"
    found = uids(person_search(user=officer, query="zhang wei"))
    # then the exact name comes first, the longer name after it
    assert found == [exact.uid, longer.uid]


def test_officer_sees_only_their_districts(officer, make_person):
    # given two 张伟, one in the officer's district and one elsewhere
    mine = make_person(zh_name="张伟", district=TIANHE)
    other = make_person(zh_name="张伟", district=BAIYUN)
    found = uids(person_search(user=officer, query="张伟"))
    # then only the one in the officer's district is found, also by ID number
    assert found == [mine.uid]
    assert person_search(user=officer, query=other.documents.get().number).persons == []


def test_administrator_sees_every_district(make_user, make_person):
    admin = make_user(Role.ADMINISTRATOR)
    a, b = (
        make_person(zh_name="张伟", district=TIANHE),
        make_person(zh_name="张伟", district=BAIYUN),
    )
    assert set(uids(person_search(user=admin, query="张伟"))) == {a.uid, b.uid}


def test_moving_district_moves_the_person_out_of_scope(officer, zhang_wei, district):
    from onewindow.registry.services import residence_register

    residence_register(
        actor=None,
        person=zhang_wei,
        address="白云大道1号",
        district=district(BAIYUN),
        valid_from=datetime.date(2024, 6, 1),
    )
    assert person_search(user=officer, query="张伟").persons == []


def test_pagination(officer, make_person):
    size = settings.SEARCH_PAGE_SIZE
    made = [make_person(zh_name="王芳") for _ in range(size + 3)]
    first = person_search(user=officer, query="wang fang", page=1)
    second = person_search(user=officer, query="wang fang", page=2)
    assert len(first.persons) == size and first.has_next and not first.has_previous
    assert len(second.persons) == 3 and not second.has_next and second.has_previous
    assert set(uids(first)) | set(uids(second)) == {p.uid for p in made}


def test_no_results_and_blank_query(officer, zhang_wei):
    assert person_search(user=officer, query="nobody here").persons == []
    assert person_search(user=officer, query="   ").persons == []


def test_search_queries_do_not_grow_with_results(officer, make_person):
    # given 2 matches, then 15 matches
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            person_search(user=officer, query="wang fang")
        return len(ctx.captured_queries)

    for _ in range(2):
        make_person(zh_name="王芳")
    few = count_queries()
    for _ in range(13):
        make_person(zh_name="王芳")
    many = count_queries()
    # then the number of queries is the same (no N+1 over results or their documents)
    assert few == many
    assert many <= 10


def test_search_page_query_count(officer, make_person, client_for):
    for _ in range(12):
        make_person(zh_name="王芳")
    client = client_for(officer)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/staff/persons/", {"q": "wang fang"})
    assert response.status_code == 200
    assert response.content.decode().count("王芳") >= 12
    assert len(ctx.captured_queries) <= 18
