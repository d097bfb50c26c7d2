"""`onewindow extracts --persons N --seed S --out DIR`: the synthetic multi-agency set as the
three agencies' extracts, with the truth, to measure linkage through the import path."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from onewindow.consolidation.synthetic_extracts import write_extracts


class Command(BaseCommand):
    help = (
        "Write the synthetic multi-agency set (typos, transliteration variants, swapped name "
        "order, missing ID numbers, traditional characters, moved addresses) as the agencies' "
        "extracts plus truth.csv; then `onewindow import` each, `onewindow link`, and "
        "`onewindow extracts --score DIR` for precision, recall and F1."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--persons", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, default=Path("var/linkage-extracts"))
        parser.add_argument("--score", action="store_true", help="score the linked records")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["out"]
        if options["score"]:
            from onewindow.consolidation.synthetic_extracts import score_against_truth

            m = score_against_truth(folder / "truth.csv")
            self.stdout.write(
                f"clusters: precision {m.precision:.4f}, recall {m.recall:.4f}, F1 {m.f1:.4f}"
            )
            return
        for source, path in write_extracts(folder, options["persons"], options["seed"]).items():
            self.stdout.write(f"onewindow import {source} {path}")
        self.stdout.write(f"truth: {folder / 'truth.csv'}")
