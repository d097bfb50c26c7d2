"""`onewindow totp USER`: print the user's current two-factor code (for a first sign-in
without a phone; whoever can run this command can read the database anyway)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.accounts.models import User
from onewindow.accounts.services import totp_current_code, totp_device
from onewindow.core.errors import DomainError


class Command(BaseCommand):
    help = "Print a user's current TOTP code."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("no such user")
        try:
            self.stdout.write(totp_current_code(totp_device(user)))
        except DomainError as exc:
            raise CommandError(exc.text()) from exc
