"""`onewindow generate`: build (or finish building) the synthetic city."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.core.errors import DomainError
from onewindow.geo.models import District
from onewindow.geo.services import geo_load_reference_data
from onewindow.registry.generate import generate_city


class Command(BaseCommand):
    help = (
        "Generate a synthetic migrant population (reproducible from --seed, resumable: run the "
        "same command again after an interruption to finish it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=100_000, help="default 100,000")
        parser.add_argument("--seed", type=int, default=1, help="default 1")
        parser.add_argument(
            "--chunk-size", type=int, default=20_000, help="persons per transaction"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0)  # a fresh database gets its tables first
        if not District.objects.exists():
            counts = geo_load_reference_data()
            self.stdout.write(
                f"Loaded the reference geography: {counts['districts']} districts, "
                f"{counts['stations']} service stations."
            )
        try:
            written = generate_city(
                persons=options["persons"],
                seed=options["seed"],
                chunk_size=options["chunk_size"],
                progress=not options["no_progress"],
            )
        except DomainError as exc:
            raise CommandError(exc.text()) from exc
        except KeyboardInterrupt as exc:
            raise CommandError(
                "Interrupted: the chunks already written are kept. Run the same command "
                "again to finish."
            ) from exc
        if not written["chunks"]:
            self.stdout.write(
                f"The population of {options['persons']:,} persons (seed {options['seed']}) "
                "is already complete; nothing to do."
            )
            return
        summary = ", ".join(f"{count:,} {name}" for name, count in written.items() if count)
        self.stdout.write(self.style.SUCCESS(f"Generated {summary}."))
