"""`onewindow policies list | check | facts`: the shipped policy files, and the registry's
facts table that simulations read."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.core.yamlfile import DataFileError
from onewindow.policies import catalogue, facts_table


class Command(BaseCommand):
    help = (
        "Policies. `list` shows every version; `check` validates the files (exit 1 naming the "
        "file, line and problem); `facts [--as-of DATE]` rebuilds the registry's facts table "
        "for simulations (safe to interrupt: the previous table stays until the new one is "
        "complete)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["list", "check", "facts"])
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            found = catalogue.catalogue()
        except DataFileError as exc:
            raise CommandError(str(exc)) from exc
        if options["action"] == "check":
            self.stdout.write(self.style.SUCCESS(f"{len(found)} policy files are valid"))
        elif options["action"] == "list":
            today = datetime.date.today()
            for key, x in found.items():
                policy = x.policy
                state = "in force" if policy.in_force(today) else ""
                unverified = (
                    f"  unconfirmed: {len(policy.unverified())}" if policy.unverified() else ""
                )
                self.stdout.write(f"{key:45} {policy.effective_from} {state}{unverified}")
        else:
            meta = facts_table.build(as_of=options["as_of"])
            self.stdout.write(
                self.style.SUCCESS(
                    f"facts table: {meta['persons']:,} persons as of {meta['as_of']} "
                    f"in {meta['seconds']} s → {facts_table.facts_path()}"
                )
            )
