"""`onewindow keys rotate`: a new permit-signing key becomes current; `onewindow keys list`."""

from typing import Any

from django.core.management.base import BaseCommand

from onewindow.permits.models import SigningKey
from onewindow.permits.services import permits_key_rotate


class Command(BaseCommand):
    help = (
        "Permit signing keys. `rotate` makes a new key current (old ones stay published so "
        "older permits still verify); `list` shows every key."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["rotate", "list"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate":
            key = permits_key_rotate(actor=None)
            self.stdout.write(self.style.SUCCESS(f"new current key: {key.kid}"))
            return
        for key in SigningKey.objects.order_by("created_at", "id"):
            state = f"retired {key.retired_at:%Y-%m-%d}" if key.retired_at else "current"
            self.stdout.write(f"{key.kid}  {key.created_at:%Y-%m-%d}  {state}  {key.public_key}")
