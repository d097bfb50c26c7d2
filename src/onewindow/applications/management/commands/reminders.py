"""`onewindow reminders`: send today's alerts and reminders (review deadlines to officers,
permit expiry and endorsements to holders, digests to supervisors; each once, safe to run
again). The same as `onewindow nightly --no-refresh`."""

from typing import Any

from django.core.management.base import BaseCommand

from onewindow.monitoring.alerts import run_alerts


class Command(BaseCommand):
    help = "Send today's alerts: review deadlines, permit expiry, endorsements, digests."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = run_alerts()
        self.stdout.write(", ".join(f"{kind}: {count}" for kind, count in sent.items()))
