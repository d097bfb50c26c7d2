"""Pages and API of the policies: the published rules, the public calculator, analysts'
simulations (who may, what they see, the CSV), and the assessment an application pins."""

import csv
import io
import json

import polars as pl
import pytest
from django.test import Client

from onewindow.accounts.models import Role
from onewindow.audit.models import AuditEvent
from onewindow.policies import facts_table
from onewindow.policies.models import Assessment, Scenario
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

CLASS_B = {  # 2017 table: 20 + 15 + 11 + 15 + 3 + 0 + 15 = 79 → B
    "salary_10k_rmb": "45",
    "education": "master_or_equivalent",
    "experience_years": "8",
    "months_in_china": "12",
    "chinese": "hsk3",
    "age": "38",
}


def _en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# --- the public rules and calculator ------------------------------------------------------------


def test_rules_index_and_a_version_are_public():
    client = _en(Client())
    index = client.get("/policies/").content.decode()
    assert "work_permit_points@2017-provisional" in index
    assert "gz_points_hukou@2020" in index
    page = client.get("/policies/work_permit_points@2016-trial/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "unconfirmed" in text  # the trial version has unconfirmed parts, and says so
    assert "Sources" in text
    assert Client().get("/policies/no_such@1/").status_code == 404


def test_calculator_gives_the_class_and_explains_each_point():
    # given the public calculator, no sign-in, in English
    client = _en(Client())
    assert client.get("/policies/calculator/work_permit_points/").status_code == 200
    # when a person posts their facts
    response = client.post("/policies/calculator/work_permit_points/", CLASS_B)
    # then the class, the total and each item's points are shown, and nothing is stored
    text = response.content.decode()
    assert response.status_code == 200
    assert "Class B" in text
    assert 'id="total">79<' in text
    assert text.count("<tr>") >= 10  # the breakdown and the rules tables
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(action="assess").exists()


def test_calculator_in_chinese_and_for_another_version():
    client = Client()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = client.post(
        "/policies/calculator/work_permit_points/",
        {**CLASS_B, "version": "work_permit_points@2016-trial"},
    )
    text = response.content.decode()
    assert "B类" in text or "B 类" in text or "B" in text
    assert "work_permit_points@2016-trial" in text


def test_calculator_refuses_bad_input_with_a_message():
    client = _en(Client())
    response = client.post(
        "/policies/calculator/work_permit_points/", {**CLASS_B, "months_in_china": "13"}
    )
    assert response.status_code == 400
    assert 'id="verdict"' not in response.content.decode()
    assert client.post("/policies/calculator/nothing/", CLASS_B).status_code == 404
    wrong = client.post(
        "/policies/calculator/work_permit_points/",
        {**CLASS_B, "version": "gz_points_hukou@2020"},
    )
    assert wrong.status_code == 404


def test_api_lists_and_evaluates():
    client = Client()
    listed = client.get("/api/policies/").json()
    keys = {p["key"] for p in listed}
    assert "residence_permit_eligibility@2016" in keys
    assert all(len(p["sha256"]) == 64 for p in listed)
    result = client.post(
        "/api/policies/work_permit_points/evaluate",
        json.dumps({"facts": {k: float(v) if v[0].isdigit() else v for k, v in CLASS_B.items()}}),
        content_type="application/json",
    ).json()
    assert result["policy"] == "work_permit_points@2017-provisional"
    assert (result["klass"], result["total"]) == ("B", 79)
    assert sum(i["points"] for i in result["items"]) == result["total"]
    bad = client.post(
        "/api/policies/work_permit_points/evaluate",
        json.dumps({"facts": {"chinese": "klingon"}}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_fact"


# --- simulations ------------------------------------------------------------------------------


@pytest.fixture
def facts(settings, tmp_path, migrant):
    """A facts table built from a registry of 12 qualifying migrants."""
    settings.VAR_DIR = tmp_path
    for n in range(12):
        migrant(birth_date=__import__("datetime").date(1985 + n, 1, 1))
    return facts_table.build()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 302),
        (Role.RESIDENT, 403),
        (Role.OFFICER, 403),
        (Role.STATION_STAFF, 403),
        (Role.ANALYST, 200),
        (Role.ADMINISTRATOR, 200),
    ],
)
def test_simulations_are_for_analysts(make_user, make_person, role, expected):
    extra = {"person": make_person()} if role == Role.RESIDENT else {}
    client = Client() if role is None else signed_in(make_user(role, **extra))
    assert client.get("/staff/simulations/").status_code == expected
    response = client.get("/staff/simulations/new/gz_points_hukou@2023/")
    assert response.status_code == expected


def test_analyst_lowers_the_threshold_and_sees_who_would_qualify(make_user, facts):
    # given an analyst and a facts table of 12 migrants (all at 150+ points)
    analyst = signed_in(make_user(Role.ANALYST))
    _en(analyst)
    form = analyst.get("/staff/simulations/new/gz_points_hukou@2023/").content.decode()
    assert 'name="threshold"' in form and 'value="150' in form
    # when they raise the threshold to 400 points
    response = analyst.post(
        "/staff/simulations/new/gz_points_hukou@2023/",
        {**_initial(analyst, "gz_points_hukou@2023"), "name": "Stricter", "threshold": "400"},
    )
    # then a scenario is saved and shows that everyone would lose
    assert response.status_code == 302
    scenario = Scenario.objects.get(name="Stricter")
    assert scenario.overrides == {"threshold": 400.0}
    overall = scenario.result["overall"]
    assert overall["population"] == 12 and overall["base"] == 12
    assert overall["scenario"] == 0 and overall["lost"] == 12
    page = analyst.get(response["Location"]).content.decode()
    assert "Stricter" in page and 'id="district-chart"' in page
    # and the CSV has the same figures, no names
    rows = list(
        csv.reader(
            io.StringIO(analyst.get(f"{response['Location']}csv/").content.decode("utf-8-sig"))
        )
    )
    assert rows[0][:3] == ["dimension", "value", "population"]
    assert rows[1][:7] == ["overall", "", "12", "12", "0", "0", "12"]
    assert AuditEvent.objects.filter(action="simulate", object_id=str(scenario.uid)).exists()


def test_small_groups_are_suppressed(make_user, facts):
    analyst = signed_in(make_user(Role.ANALYST))
    analyst.post(
        "/staff/simulations/new/gz_points_hukou@2023/",
        {**_initial(analyst, "gz_points_hukou@2023"), "name": "Same", "threshold": "140"},
    )
    result = Scenario.objects.get(name="Same").result
    # 12 people across age bands of fewer than 10 each: every age band is suppressed
    assert all(row["suppressed"] and row["population"] is None for row in result["by"]["age_band"])
    frame = pl.read_parquet(facts_table.facts_path())
    assert set(frame.columns) >= {"person_id", "age", "district", "residence_months"}
    assert not {"zh_name", "family_name", "number"} & set(frame.columns)


def test_simulation_without_facts_table_says_so(make_user, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    analyst = _en(signed_in(make_user(Role.ANALYST)))
    response = analyst.post(
        "/staff/simulations/new/gz_points_hukou@2023/",
        {**_initial(analyst, "gz_points_hukou@2023"), "name": "x", "threshold": "120"},
    )
    assert response.status_code == 400
    assert "facts table has not been built" in response.content.decode()
    assert not Scenario.objects.exists()


def _initial(client: Client, key: str) -> dict:
    """Every field of the scenario form with its prefilled value."""
    from onewindow.policies.catalogue import loaded
    from onewindow.policies.forms import ScenarioForm

    form = ScenarioForm(loaded(key).policy)
    return {name: field.initial for name, field in form.fields.items() if field.initial is not None}


# --- the assessment an application pins --------------------------------------------------------


def test_submission_pins_the_assessment_and_shows_it(hukou_applicant):
    user, application = hukou_applicant()
    row = Assessment.objects.get(application=application)
    assert row.policy_key == "gz_points_hukou@2023" and len(row.policy_digest) == 64
    assert row.total == 220 and row.qualifies
    page = _en(signed_in(user)).get(f"/applications/{application.reference}/").content.decode()
    assert 'id="assessment"' in page and "gz_points_hukou@2023" in page


def test_an_application_the_policy_refuses_is_not_submitted(hukou_applicant):
    # given a migrant aged 50 (the policy wants 45 or under)
    import datetime

    from onewindow.applications.models import Application
    from onewindow.core.errors import DomainError

    with pytest.raises(DomainError) as error:
        hukou_applicant(birth_date=datetime.date(1975, 1, 1), id_number=False)
    assert error.value.code == "not_eligible"
    assert "45" in error.value.text()
    assert not Assessment.objects.exists()
    assert Application.objects.get().status == "draft"
