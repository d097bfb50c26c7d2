"""`onewindow hsds export FILE [--language en] | import FILE`: the service directory as Open
Referral HSDS 3.0 JSON (see `onewindow.services.hsds` and docs/import-mappings.md).

FILE may be `-` for standard output (export) or standard input (import).
"""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.core.errors import DomainError
from onewindow.services.hsds import hsds_export, hsds_import


class Command(BaseCommand):
    help = (
        "The service directory in Open Referral HSDS 3.0 JSON. `export FILE [--language en]` "
        "writes every service; `import FILE` creates or updates services at existing "
        "stations and prints the counts and the errors."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["export", "import"])
        parser.add_argument("file", help="the JSON file, or - for standard output/input")
        parser.add_argument("--language", default="en", help="language of the HSDS texts")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "export":
                self._export(options["file"], options["language"])
            else:
                self._import(options["file"])
        except DomainError as exc:
            raise CommandError(exc.text()) from exc

    def _export(self, file: str, language: str) -> None:
        document = hsds_export(language=language)
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if file == "-":
            self.stdout.write(text, ending="")
            return
        try:
            Path(file).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {file}: {exc}") from exc
        self.stdout.write(f"{document['total_items']} services written to {file}")

    def _import(self, file: str) -> None:
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
            data = json.loads(text)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        result = hsds_import(data=data, actor=None)
        self.stdout.write(
            f"created {result.created}, updated {result.updated}, "
            f"unchanged {result.unchanged}, errors {len(result.errors)}, "
            f"station details written {result.locations_updated}"
        )
        for _index, message in result.errors:
            self.stdout.write(self.style.ERROR(message))
