"""`onewindow bench registry [--full]`: run a benchmark from bench/ (same as `make bench`)."""

import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run a benchmark from bench/ and write its JSON to bench/results/."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", choices=["registry"])
        parser.add_argument("--full", action="store_true", help="8,000,000 persons")
        parser.add_argument("--persons", type=int, help="how many persons to load")

    def handle(self, *args: Any, **options: Any) -> None:
        script = settings.PROJECT_DIR / "bench" / f"{options['name']}.py"
        if not script.exists():
            raise CommandError(f"{script} is missing: run from a checkout of the project")
        extra = ["--full"] if options["full"] else []
        if options["persons"]:
            extra += ["--persons", str(options["persons"])]
        code = subprocess.call([sys.executable, str(script), *extra])
        if code:
            raise CommandError(f"benchmark exited with {code}")
