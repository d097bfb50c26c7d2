"""Fixtures shared by the whole suite: reference data, one user per role, persons, and the
browser for the journeys (set ONEWINDOW_SCREENSHOTS=DIR to keep screenshots of their steps).
"""

import datetime
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from stdnum.cn import ric, uscc

from onewindow.accounts.models import Agency, Role, User
from onewindow.accounts.services import agencies_load, totp_device, user_create
from onewindow.applications.services import (
    application_save,
    application_start,
    application_submit,
    document_upload,
)
from onewindow.audit.models import AuditHead
from onewindow.geo.models import District, ServiceStation
from onewindow.geo.services import geo_load_reference_data
from onewindow.registry.models import DocumentType, Employer, Person
from onewindow.registry.services import (
    document_add,
    education_add,
    employer_register,
    employment_add,
    insurance_period_add,
    person_create,
    residence_register,
)

TIANHE, BAIYUN, YUEXIU = "440106", "440111", "440104"
PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def _load_reference() -> None:
    AuditHead.objects.get_or_create(pk=1)  # a transactional test's flush empties it
    if not District.objects.exists():
        geo_load_reference_data()
    if not Agency.objects.exists():
        agencies_load()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Load the reference data once into the test database (tests roll back above it)."""
    with django_db_blocker.unblock():
        _load_reference()


@pytest.fixture
def reference(db: Any) -> None:
    """The city's districts, stations and agencies, loaded from their data files (again only
    if a transactional test flushed them)."""
    _load_reference()


@pytest.fixture
def district(reference: None) -> Callable[[str], District]:
    return lambda code: District.objects.get(code=code)


@pytest.fixture
def make_person(reference: None) -> Callable[..., Person]:
    """Register a person through the services, resident in `district` (a code)."""

    def make(district: str | None = TIANHE, id_number: bool = True, **fields: Any) -> Person:
        n = next(_seq)
        fields.setdefault("sex", "M")
        fields.setdefault("birth_date", datetime.date(1990, 1, 1) + datetime.timedelta(days=n))
        fields.setdefault("nationality", "CN")
        if fields["nationality"] == "CN":
            fields.setdefault("hukou_place", "430102")
            fields.setdefault("zh_name", "李" + "明华国强"[n % 4])
        person = person_create(actor=None, **fields)
        if district:
            residence_register(
                actor=None,
                person=person,
                address=f"测试路{n}号",
                district=District.objects.get(code=district),
                valid_from=datetime.date(2023, 1, 1),
            )
        if id_number and person.nationality == "CN":
            body = f"{person.hukou_place}{person.birth_date:%Y%m%d}{n % 1000:03d}"
            document_add(
                actor=None,
                person=person,
                doc_type=DocumentType.RESIDENT_ID,
                number=body + ric.calc_check_digit(body + "0"),
                issuing_country="CHN",
            )
        person.refresh_from_db()
        return person

    return make


def make_employer(name: str = "广州市测试贸易有限公司", district: str = TIANHE) -> Employer:
    """Register an employer with a valid unified social credit code."""
    body = f"91440106MA5{next(_seq):06d}"
    return employer_register(
        actor=None,
        name=name,
        uscc=body + uscc.calc_check_digit(body + "0"),
        district=District.objects.get(code=district),
    )


@pytest.fixture
def make_user(reference: None) -> Callable[..., User]:
    """Create a user of `role`; officers default to the exit-entry agency in Tianhe."""

    def make(role: str, districts: list[str] | None = None, **extra: Any) -> User:
        if role in (Role.OFFICER, Role.SUPERVISOR):
            extra.setdefault("agency", Agency.objects.get(code="exit_entry"))
            districts = districts if districts is not None else [TIANHE]
        if role == Role.EMPLOYER:
            extra.setdefault("employer", make_employer())
        if role == Role.STATION_STAFF:
            extra.setdefault(
                "station", ServiceStation.objects.filter(district__code=TIANHE).first()
            )
        return user_create(
            actor=None,
            username=f"{role}-{next(_seq)}",
            password=PASSWORD,
            role=role,
            districts=[District.objects.get(code=c) for c in districts or []],
            **extra,
        )

    return make


def signed_in(user: User) -> Client:
    """A test client signed in as `user`, through the second factor if they are staff."""
    client = Client()
    client.force_login(user)
    if user.is_staff_role:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    return signed_in


@pytest.fixture(scope="module")
def audit_flushable(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Transactional tests end by emptying every table with DELETE, which SQLite's
    append-only audit trigger refuses: lift it for the module that asks, then restore it."""
    from django.db import connection

    from onewindow.audit.triggers import set_append_only

    with django_db_blocker.unblock():
        set_append_only(connection, False)
    yield
    with django_db_blocker.unblock():
        set_append_only(connection, True)


# Browser tests drive the system Chromium (never `playwright install`). One browser for the
# whole session: Playwright's sync API allows one running instance per thread.
CHROMIUM = os.environ.get("ONEWINDOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shoot(request: pytest.FixtureRequest):
    """`shoot(page, "step")` keeps a full-page screenshot when ONEWINDOW_SCREENSHOTS is set."""
    folder = os.environ.get("ONEWINDOW_SCREENSHOTS")

    def take(page, step: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{folder}/{request.node.name}-{step}.png", full_page=True)

    return take


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: sign-in rate limits are counted there, and every
    browser journey signs in from 127.0.0.1."""
    from django.core.cache import cache

    cache.clear()


# --- a migrant who qualifies for points-based hukou, and their application ---------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
INSURANCE = ("pension", "medical", "unemployment", "work_injury", "maternity")


@pytest.fixture
def migrant(make_person: Callable[..., Any]) -> Callable[..., Any]:
    """A migrant in Tianhe since `since`, employed, insured (all five types) since
    `insured_since`, with a bachelor's degree."""

    def make(
        since: datetime.date = datetime.date(2016, 1, 1),
        insured_since: datetime.date = datetime.date(2020, 1, 1),
        birth_date: datetime.date = datetime.date(1990, 6, 1),
        **fields: Any,
    ) -> Any:
        person = make_person(district=None, birth_date=birth_date, **fields)
        residence_register(
            actor=None,
            person=person,
            address="天河路1号",
            district=District.objects.get(code=TIANHE),
            valid_from=since,
        )
        employment_add(
            actor=None,
            person=person,
            employer=make_employer(),
            start_date=datetime.date(2018, 3, 1),
        )
        for kind in INSURANCE:
            insurance_period_add(
                actor=None, person=person, insurance_type=kind, start_date=insured_since
            )
        education_add(actor=None, person=person, level="bachelor", completed_year=2012)
        person.refresh_from_db()
        return person

    return make


HUKOU_ANSWERS = {
    "district": TIANHE,
    "housing": "owned",
    "phone": "13800138000",
}


@pytest.fixture
def hukou_applicant(migrant: Callable[..., Any], make_user: Callable[..., Any]) -> Callable:
    """A resident account for a migrant, with a submitted points-based hukou application."""

    def make(answers: dict | None = None, **person_fields: Any) -> tuple[Any, Any]:
        person = migrant(**person_fields)
        user = make_user(Role.RESIDENT, person=person, language="en")
        application = application_start(actor=user, type_code="points_hukou")
        application = application_save(
            actor=user,
            application=application,
            answers={**HUKOU_ANSWERS, **(answers or {})},
            version=application.version,
        )
        document_upload(actor=user, application=application, code="id_card_copy", upload=PDF_BYTES)
        application.refresh_from_db()
        application = application_submit(
            actor=user, application=application, version=application.version
        )
        return user, application

    return make
