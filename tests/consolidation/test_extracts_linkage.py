"""Accuracy through the real path: the synthetic multi-agency set written as the agencies'
extracts, imported with their mappings, linked, and scored against the truth."""

import sys

import pytest
from django.core.management import call_command

from onewindow.consolidation.linking import link_pending
from onewindow.consolidation.services import import_file
from onewindow.consolidation.synthetic_extracts import score_against_truth

pytestmark = pytest.mark.django_db

F1_FLOOR = 0.95


def test_synthetic_extracts_imported_and_linked_reach_the_floor(tmp_path, settings, capsys):
    settings.VAR_DIR = tmp_path
    call_command("extracts", "--persons", "600", "--seed", "4", "--out", str(tmp_path / "x"))
    lines = capsys.readouterr().out.splitlines()
    accepted = 0
    for line in lines[:3]:
        _cmd, _sub, source, path = line.split()
        batch = import_file(
            actor=None, source_code=source, path=tmp_path / "x" / path.split("/")[-1]
        )
        assert batch.status == "done"
        accepted += batch.rows_accepted
    assert accepted > 1000
    run = link_pending()
    assert run.records == accepted
    quality = score_against_truth(tmp_path / "x" / "truth.csv")
    sys.__stderr__.write(f"\nsynthetic extracts, imported and linked: {quality}\n")
    assert quality.f1 >= F1_FLOOR, quality
    call_command("extracts", "--score", "--out", str(tmp_path / "x"))
    assert "F1" in capsys.readouterr().out
