"""`onewindow import SOURCE FILE`: import an agency's extract (see docs/import-mappings.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from onewindow.consolidation.mappings import mappings
from onewindow.consolidation.services import import_file
from onewindow.core.yamlfile import DataFileError


class Command(BaseCommand):
    help = (
        "Import an agency's extract (CSV in UTF-8 or GB18030, XLSX, Parquet) as staged records; "
        "rows that do not validate go to the reject report. The same file twice changes "
        "nothing; an interrupted import resumes when run again."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("source", help="a mapping in consolidation/sources/")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            known = mappings()
        except DataFileError as exc:
            raise CommandError(str(exc)) from exc
        if options["source"] not in known:
            raise CommandError(f"unknown source; one of: {', '.join(known)}")
        with tqdm(desc=f"import {options['source']}", unit="rows") as bar:
            batch = import_file(
                actor=None, source_code=options["source"], path=path, progress=bar.update
            )
        if batch.status == "failed":
            raise CommandError(f"{path.name} refused: {batch.problem}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name}: {batch.rows_accepted:,} rows accepted, "
                f"{batch.rows_rejected:,} rejected (batch {batch.uid})"
            )
        )
