"""`onewindow link`: link the imported records not linked yet into golden persons."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.consolidation.linking import link_pending, write_default_model
from onewindow.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Link every imported record not linked yet: to a known person, into a new person, or "
        "to the review queue (see docs/import-mappings.md). One transaction: an interrupted "
        "run leaves nothing behind and is simply run again."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--auto", type=float, help="link automatically from (default 0.9)")
        parser.add_argument("--review", type=float, help="send to review from (default 0.5)")
        parser.add_argument(
            "--retrain", action="store_true", help="train a new model on this batch"
        )
        parser.add_argument(
            "--write-default-model",
            action="store_true",
            help="retrain the shipped model on the synthetic multi-agency set and stop",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["write_default_model"]:
            self.stdout.write(f"written {write_default_model()}")
            return
        try:
            run = link_pending(
                actor=None,
                auto=options["auto"],
                review=options["review"],
                retrain=options["retrain"],
                progress=lambda message: self.stderr.write(f"  {message}"),
            )
        except DomainError as exc:
            raise CommandError(exc.text()) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.records:,} records: {run.linked_existing:,} to known persons, "
                f"{run.new_persons:,} new persons, {run.to_review:,} pairs to review, "
                f"{run.held:,} held"
            )
        )
