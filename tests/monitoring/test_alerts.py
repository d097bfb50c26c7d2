"""The nightly alerts: who is told of what, in their language, and each alert once."""

import datetime
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from onewindow.applications.models import Notification
from onewindow.monitoring.alerts import run_alerts
from onewindow.monitoring.models import AlertRule, AlertRun, AlertSent

from .conftest import TODAY, make_permit

pytestmark = pytest.mark.django_db


def test_residents_are_told_before_a_permit_or_an_endorsement_falls_due(
    city: dict[str, Any], make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    foreigner = city["foreigners"][5]  # permit expiring in 10 days
    french = make_user("resident", person=foreigner, language="fr", email="f@example.org")
    citizen = city["citizens"][1]  # residence permit, never endorsed, started 120 days ago
    make_user("resident", person=citizen, language="zh-hans")
    late = city["citizens"][19]  # started 480 days ago, never endorsed: due
    chinese = make_user("resident", person=late, language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        sent = run_alerts(today=TODAY)
    note = Notification.objects.get(user=french, kind="permit_expiring")
    assert "expire" in note.text  # in French
    assert (TODAY + datetime.timedelta(days=10)).isoformat() in note.text
    assert [note.text] == [m.body for m in mail.outbox if m.to == ["f@example.org"]]
    endorsement = Notification.objects.get(user=chinese, kind="endorsement_due")
    assert "签注" in endorsement.text
    assert not Notification.objects.filter(user__person=citizen).exists()
    assert sent["permit_expiring"] >= 1 and sent["endorsement_due"] >= 1


def test_supervisors_get_one_digest_of_what_is_new_in_their_districts(
    city: dict[str, Any], make_user: Any
) -> None:
    lapsed = city["lapsed"][0]
    district = lapsed.holder.current_district.code
    supervisor = make_user("supervisor", districts=[district], language="en")
    here = sum(1 for p in city["lapsed"] if p.holder.current_district.code == district)
    run_alerts(today=TODAY)
    digest = Notification.objects.get(user=supervisor, kind="overstay")
    assert f": {here}." in digest.text
    assert AlertSent.objects.filter(recipient=supervisor, kind="overstay").count() == here
    # the next night, nothing new: no digest; a new lapsed permit: a digest of one
    assert run_alerts(today=TODAY + datetime.timedelta(days=1))["overstay"] == 0
    newcomer = city["foreigners"][5]  # a permit in force until now
    newcomer.current_district = lapsed.holder.current_district
    newcomer.save(update_fields=["current_district"])
    newcomer.permits.update(valid_to=TODAY - datetime.timedelta(days=1))
    run_alerts(today=TODAY + datetime.timedelta(days=2))
    latest = Notification.objects.filter(user=supervisor, kind="overstay").order_by("-id").first()
    assert latest.pk != digest.pk and ": 1." in latest.text
    # deadline breaches of the open, overdue reviews in the district
    breaches = Notification.objects.filter(user=supervisor, kind="deadline_breach")
    assert breaches.count() <= 1


def test_running_twice_sends_nothing_new(city: dict[str, Any], make_user: Any) -> None:
    for person in city["foreigners"][:8] + city["citizens"][:20]:
        make_user("resident", person=person)
    make_user("supervisor", districts=["440103", "440104", "440105", "440106", "440111"])
    make_user("officer", districts=["440103", "440104", "440105", "440106", "440111"])
    first = run_alerts(today=TODAY)
    notes = Notification.objects.count()
    assert sum(first.values()) > 0 and notes > 0
    again = run_alerts(today=TODAY)
    assert sum(again.values()) == 0
    assert Notification.objects.count() == notes
    assert AlertRun.objects.count() == 2


def test_a_rule_switched_off_sends_nothing_and_days_are_honoured(
    city: dict[str, Any], make_user: Any
) -> None:
    user = make_user("resident", person=city["foreigners"][7])  # expires in 50 days
    assert run_alerts(today=TODAY).get("permit_expiring") == 0
    AlertRule.objects.filter(kind="permit_expiring").update(days=60)
    assert run_alerts(today=TODAY)["permit_expiring"] == 1
    AlertRule.objects.update(enabled=False)
    make_permit(city["foreigners"][8], valid_to=TODAY + datetime.timedelta(days=3))
    assert run_alerts(today=TODAY) == {}
    assert Notification.objects.filter(user=user).count() == 1


def test_the_nightly_command_refreshes_and_alerts(city: dict[str, Any], capsys: Any) -> None:
    call_command("nightly")
    out = capsys.readouterr().out
    assert "population" in out and "alerts sent" in out
    call_command("reminders")
    assert "permit_expiring" in capsys.readouterr().out


def test_the_nightly_task_runs_the_same_work(city: dict[str, Any]) -> None:
    from onewindow.monitoring.models import Refresh
    from onewindow.monitoring.tasks import next_night, nightly, schedule_nightly

    before = Refresh.objects.count()
    result = nightly.enqueue()  # the test settings run tasks at once
    assert result.return_value["cells"] > 0
    assert Refresh.objects.count() == before + 1
    assert schedule_nightly() is False  # the immediate backend cannot defer
    at = next_night(datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC))
    assert (at.hour, at.minute, at.date()) == (2, 0, datetime.date(2026, 11, 21))
