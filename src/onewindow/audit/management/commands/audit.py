"""`onewindow audit verify`: walk the hash chain and report every break."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.audit.services import audit_head, audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `verify` checks the hash chain."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        count, problems = audit_verify()
        for problem in problems:
            self.stdout.write(self.style.ERROR(f"{problem.kind}: {problem.message}"))
        if problems:
            raise CommandError(f"audit log: {count} rows read, {len(problems)} problem(s)")
        head = audit_head()
        self.stdout.write(self.style.SUCCESS(f"audit log intact: {count} rows, chain verified"))
        self.stdout.write(
            f"head: seq {head.seq} sha256 {head.hash} (keep this outside the database)"
        )
