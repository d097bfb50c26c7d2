"""`onewindow nightly`: refresh the monitoring aggregates and send the alerts now (the work of
the nightly task). Safe to interrupt and to run again: the refresh is one transaction and
each alert is sent once."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from onewindow.monitoring.alerts import run_alerts
from onewindow.monitoring.refresh import refresh_aggregates
from onewindow.monitoring.tasks import schedule_nightly


class Command(BaseCommand):
    help = "Refresh the dashboard's aggregates and send today's alerts (each once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-alerts", action="store_true", help="only refresh the figures")
        parser.add_argument("--no-refresh", action="store_true", help="only send the alerts")
        parser.add_argument(
            "--full",
            action="store_true",
            help="recount every month's registrations and departures, not only the recent ones",
        )
        parser.add_argument(
            "--schedule", action="store_true", help="also queue the task for the next night"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(step: str, rows: int, seconds: float) -> None:
            self.stdout.write(f"  {step:<14} {rows:>9,} rows  {seconds:7.1f} s")
            self.stdout.flush()

        if not options["no_refresh"]:
            self.stdout.write("== refreshing the monitoring aggregates")
            run = refresh_aggregates(full=options["full"], progress=progress)
            self.stdout.write(f"  as of {run.as_of}: {run.cells:,} cells in {run.seconds} s")
        if not options["no_alerts"]:
            started = time.perf_counter()
            sent = run_alerts()
            summary = ", ".join(f"{kind}: {count}" for kind, count in sent.items()) or "none"
            self.stdout.write(f"== alerts sent ({time.perf_counter() - started:.1f} s): {summary}")
        if options["schedule"] and schedule_nightly():
            self.stdout.write("== the nightly task is queued")
