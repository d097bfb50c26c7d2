"""Linkage benchmark: a million agency records into golden persons, then a batch of 10,000.

    .venv/bin/python bench/linkage.py [--records 1000000] [--batch 10000] [--seed 3]

1. prepare (not timed): the synthetic multi-agency set (`consolidation.synthetic`, typos,
   transliteration variants, swapped name order, missing ID numbers, traditional characters,
   moved addresses; known truth) of about N + batch records, the first N staged as finished
   imports on a fresh migrated SQLite database under bench/work/ (kept, so re-runs skip it).
2. full run (timed, in a child process): `link_pending` on the N records into an empty
   registry, end to end: read the staged records, derive name keys, train the model (EM on a
   sample), score, cluster, survivorship, write persons, golden records, documents, name keys
   and links. Peak memory is the child's.
3. incremental (timed, in a child): the remaining `batch` records staged and linked against
   the registry the full run built.
4. baseline (timed, in a child): bare Splink on the same N records with the same settings
   (derive, train on the same sample size, predict, cluster), no database at either end —
   what the OneWindow pipeline adds is the ratio.

Accuracy of the full run (pairwise cluster precision, recall, F1 against the truth) is
printed too. Prints a table; writes bench/results/linkage.json. Ctrl-C stops it; a run
writes in one transaction, so a re-run starts from the prepared snapshot.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"


def _paths(records: int) -> dict[str, Path]:
    folder = WORK / f"linkage-{records}"
    return {
        "folder": folder,
        "snapshot": folder / "staged.sqlite3",
        "db": folder / "run.sqlite3",
        "records": folder / "records.parquet",
        "truth": folder / "truth.parquet",
    }


def _django(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["ONEWINDOW_VAR_DIR"] = str(db.parent / "var")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings.base")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def prepare(records: int, batch: int, seed: int) -> None:
    import polars as pl

    paths = _paths(records)
    if paths["snapshot"].exists():
        return
    paths["folder"].mkdir(parents=True, exist_ok=True)
    for p in paths["folder"].glob("*.sqlite3*"):
        p.unlink()
    print(f"== prepare: synthetic records for {records:,} + {batch:,}", flush=True)
    _django(paths["db"])
    from django.core.management import call_command
    from django.db import connection

    from onewindow.consolidation.synthetic import multi_agency_records, stage

    persons = int((records + batch) / 2.0) + 2000
    frame, truth = multi_agency_records(persons, seed=seed)
    frame = frame.head(records + batch)
    frame.write_parquet(paths["records"])
    pl.DataFrame({"unique_id": list(truth), "person": list(truth.values())}).write_parquet(
        paths["truth"]
    )
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    ids = stage(frame.head(records), "bench-full")
    pl.DataFrame({"unique_id": list(ids), "staged_id": list(ids.values())}).write_parquet(
        paths["folder"] / "ids-full.parquet"
    )
    print(f"   staged {len(ids):,} records in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    shutil.move(paths["db"], paths["snapshot"])


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _progress(message: str) -> None:
    print(f"   {time.strftime('%H:%M:%S')} {message}", flush=True)


def child_full(records: int) -> dict[str, Any]:
    import polars as pl

    paths = _paths(records)
    shutil.copyfile(paths["snapshot"], paths["db"])
    _django(paths["db"])
    from onewindow.consolidation.linkage import cluster_metrics
    from onewindow.consolidation.linking import link_pending
    from onewindow.consolidation.models import RecordLink

    started = time.perf_counter()
    run = link_pending(progress=_progress)
    seconds = time.perf_counter() - started
    peak = _peak_mb()
    ids = pl.read_parquet(paths["folder"] / "ids-full.parquet")
    truth = dict(pl.read_parquet(paths["truth"]).iter_rows())
    staged_truth = {str(s): str(truth[u]) for u, s in ids.iter_rows()}
    linked = {str(r): str(p) for r, p in RecordLink.objects.values_list("record_id", "person_id")}
    quality = cluster_metrics(linked, {k: v for k, v in staged_truth.items() if k in linked})
    return {
        "seconds": round(seconds, 1),
        "peak_memory_mb": peak,
        "records": run.records,
        "persons": run.new_persons,
        "held": run.held,
        "to_review": run.to_review,
        "true_persons": len(set(staged_truth.values())),
        "cluster_precision": round(quality.precision, 4),
        "cluster_recall": round(quality.recall, 4),
        "cluster_f1": round(quality.f1, 4),
    }


def child_incremental(records: int) -> dict[str, Any]:
    import polars as pl

    paths = _paths(records)
    _django(paths["db"])
    from onewindow.consolidation.linking import link_pending
    from onewindow.consolidation.synthetic import stage

    frame = pl.read_parquet(paths["records"]).slice(records)
    stage(frame, "bench-batch")
    started = time.perf_counter()
    run = link_pending(progress=_progress)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 1),
        "peak_memory_mb": _peak_mb(),
        "records": run.records,
        "linked_existing": run.linked_existing,
        "new_persons": run.new_persons,
        "to_review": run.to_review,
        "trained": run.trained,
    }


def child_baseline(records: int) -> dict[str, Any]:
    import polars as pl

    paths = _paths(records)
    _django(paths["db"])  # imports only; the baseline never touches the database
    from onewindow.consolidation.linkage import clusters, make_linker, prepare_frame
    from onewindow.consolidation.linking import TRAIN_SAMPLE, storable
    from onewindow.consolidation.record_linkage import (
        MATCH_THRESHOLD,
        derive,
        onewindow_settings,
        train_onewindow,
    )

    frame = pl.read_parquet(paths["records"]).head(records)
    started = time.perf_counter()
    prepared = prepare_frame(derive(frame).drop("source"), id_column="unique_id")
    sample = prepared.sample(min(TRAIN_SAMPLE, len(prepared)), random_state=1)
    trainer = make_linker([sample], onewindow_settings())
    train_onewindow(trainer)
    model = storable(trainer.misc.save_model_to_json())
    linker = make_linker([prepared], model)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    groups = clusters(linker, MATCH_THRESHOLD, predictions)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 1),
        "peak_memory_mb": _peak_mb(),
        "clusters": len(set(groups.values())),
    }


CHILDREN = {"full": child_full, "incremental": child_incremental, "baseline": child_baseline}


def _run_child(phase: str, records: int) -> dict[str, Any]:
    out = _paths(records)["folder"] / f"{phase}.json"
    out.unlink(missing_ok=True)
    print(f"== {phase}", flush=True)
    command = [sys.executable, __file__, "--child", phase, "--records", str(records)]
    subprocess.run(command, check=True)
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = CHILDREN[args.child](args.records)
        (_paths(args.records)["folder"] / f"{args.child}.json").write_text(json.dumps(result))
        return 0
    try:
        prepare(args.records, args.batch, args.seed)
        full = _run_child("full", args.records)
        incremental = _run_child("incremental", args.records)
        baseline = _run_child("baseline", args.records)
    except (KeyboardInterrupt, subprocess.CalledProcessError):
        print("\nstopped")
        return 130
    result = {
        "records": args.records,
        "batch": args.batch,
        "full": full,
        "incremental": incremental,
        "baseline_bare_splink": baseline,
        "ratio_full_to_bare_splink": round(full["seconds"] / baseline["seconds"], 2),
        "targets": {"full_s": 600, "full_peak_mb": 8192, "incremental_s": 60},
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        },
    }
    print()
    print(f"{'records':34}{args.records:,} (true persons {full['true_persons']:,})")
    print(
        f"{'full run, end to end':34}{full['seconds']:.1f} s, peak {full['peak_memory_mb']:,} MB"
        f" -> {full['persons']:,} persons, {full['to_review']:,} pairs to review,"
        f" {full['held']:,} held"
    )
    print(
        f"{'  accuracy (clusters)':34}precision {full['cluster_precision']}, recall "
        f"{full['cluster_recall']}, F1 {full['cluster_f1']}"
    )
    print(
        f"{'incremental batch':34}{incremental['records']:,} records in "
        f"{incremental['seconds']:.1f} s ({incremental['linked_existing']:,} to known persons,"
        f" {incremental['new_persons']:,} new), peak {incremental['peak_memory_mb']:,} MB"
    )
    print(
        f"{'bare Splink, same records':34}{baseline['seconds']:.1f} s, peak "
        f"{baseline['peak_memory_mb']:,} MB"
    )
    print(f"{'ratio full/bare':34}{result['ratio_full_to_bare_splink']}")
    out = RESULTS / "linkage.json"
    data = json.loads(out.read_text()) if out.exists() else {"runs": {}}
    data["runs"][str(args.records)] = result
    RESULTS.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
