"""Fixtures for permits: keys in a temporary folder, a holder, their application, a type."""

import datetime
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from onewindow.accounts.models import Role
from onewindow.applications.definitions import Localized, PermitSpec
from onewindow.applications.models import Application
from onewindow.permits.models import Permit
from onewindow.permits.services import permit_issue
from tests.conftest import BAIYUN, TIANHE

_refs = itertools.count(1)


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Any) -> Any:
    """Private keys go to pytest's temporary folder, never to the real var/."""
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def spec() -> PermitSpec:
    return PermitSpec(
        type="work_residence_permit",
        title=Localized.model_validate(
            {
                **{code: "Work and residence permit" for code, _ in settings.LANGUAGES},
                "zh-hans": "外国人工作居留许可",
            }
        ),
        validity_months=12,
    )


@pytest.fixture
def holder(make_person: Callable[..., Any]) -> Any:
    return make_person(
        zh_name="张伟", district=TIANHE, latin_family_name="Zhang", latin_given_name="Wei"
    )


@pytest.fixture
def holder_user(make_user: Callable[..., Any], holder: Any) -> Any:
    return make_user(Role.RESIDENT, person=holder)


@pytest.fixture
def make_application(holder_user: Any, holder: Any) -> Callable[..., Application]:
    def make(applicant: Any = None, person: Any = None) -> Application:
        return Application.objects.create(
            reference=f"T-{next(_refs):06d}",
            type_code="work_residence_permit",
            type_version=1,
            applicant=applicant or holder_user,
            person=person or holder,
            status="approved",
        )

    return make


@pytest.fixture
def issue(make_application: Callable[..., Application], holder: Any, spec: PermitSpec) -> Any:
    """Issue a permit to `holder` on a fresh application, from `valid_from` (default today)."""

    def make(valid_from: datetime.date | None = None, **kwargs: Any) -> Permit:
        application = kwargs.pop("application", None) or make_application()
        return permit_issue(
            actor=None,
            application=application,
            holder=kwargs.pop("holder", holder),
            spec=kwargs.pop("spec", spec),
            valid_from=valid_from or timezone.localdate(),
        )

    return make


@pytest.fixture
def staff(make_user: Callable[..., Any]) -> dict[str, Any]:
    """Staff around a Tianhe permit: who may see it and who may not (exit-entry officers)."""
    return {
        "analyst": make_user(Role.ANALYST),
        "station_staff": make_user(Role.STATION_STAFF),
        "officer_other_district": make_user(Role.OFFICER, districts=[BAIYUN]),
        "officer": make_user(Role.OFFICER, districts=[TIANHE]),
        "supervisor": make_user(Role.SUPERVISOR, districts=[TIANHE]),
        "administrator": make_user(Role.ADMINISTRATOR),
    }
