"""The nightly task: refresh the dashboard's aggregates, then send the alerts, then queue
itself for the next night. Run by the database task worker (`onewindow db_worker`, which
`onewindow serve` starts); `onewindow nightly` runs the same work at once."""

import datetime
import zoneinfo
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .alerts import run_alerts
from .refresh import refresh_aggregates

NIGHTLY_AT = datetime.time(2, 0)


def run_nightly() -> dict[str, Any]:
    refresh = refresh_aggregates()
    sent = run_alerts()
    return {"as_of": refresh.as_of.isoformat(), "cells": refresh.cells, "sent": sent}


def next_night(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next NIGHTLY_AT in the site's time zone, strictly after `now`."""
    local = timezone.localtime(now or timezone.now(), zoneinfo.ZoneInfo(settings.TIME_ZONE))
    at = local.replace(hour=NIGHTLY_AT.hour, minute=NIGHTLY_AT.minute, second=0, microsecond=0)
    return at if at > local else at + datetime.timedelta(days=1)


@task()
def nightly() -> dict[str, Any]:
    result = run_nightly()
    schedule_nightly()
    return result


@task()
def refresh_task() -> int:
    """Recompute the dashboard's figures now (the "refresh" button)."""
    return refresh_aggregates().cells


def schedule_nightly() -> bool:
    """Queue the nightly task for the next night unless one is already waiting; False when
    the task backend cannot run a task later (the immediate backend of the tests)."""
    if not nightly.get_backend().supports_defer:
        return False
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=nightly.module_path, status="READY").exists()
    if not waiting:
        nightly.using(run_after=next_night()).enqueue()
    return not waiting
