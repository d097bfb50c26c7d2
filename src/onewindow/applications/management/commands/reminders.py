"""`onewindow reminders`: send today's review-deadline and permit-expiry reminders (once each;
safe to run again)."""

from typing import Any

from django.core.management.base import BaseCommand

from onewindow.applications.reminders import reminders_send


class Command(BaseCommand):
    help = "Send review-deadline reminders to officers and permit-expiry reminders to holders."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reminders_send()
        self.stdout.write(", ".join(f"{kind}: {count}" for kind, count in sent.items()))
