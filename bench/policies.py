"""Policies benchmark: what-if simulations over the whole population.

    .venv/bin/python bench/policies.py [--sizes 1000000,8000000] [--quick] [--repeats 5]
        [--rebuild]

1. the facts table: if bench/work/registry.sqlite3 exists (the 1,000,000-person city that
   bench/registry.py builds), `facts_table.build` streams it into a Parquet file once, as of
   the generator's reference date, timed (kept under bench/work/, rebuilt when the registry
   changes or with --rebuild). Without it, the facts columns are synthesised with numpy
   (plausible distributions) and the output says so. A size above the table's is the table
   repeated with fresh person ids (8,000,000 = 8 copies of the 1,000,000), a size below it
   its first rows; each size is kept as its own Parquet file, which the simulation scans as
   the application scans its facts table.
2. for each size, in a child process of its own (so each peak is its own), `simulate.run`:
   a. gz_points_hukou in force, its threshold lowered by 30 points (150 → 120);
   b. the same hukou rule written by hand as one polars expression (the items, the
      eligibility, both thresholds) with the same aggregates: the baseline. The ratio
      generic/hand-written says what the policy-as-data evaluator costs;
   c. work_permit_points in force, class A at 10 points fewer (85 → 75).
   Each is run `--repeats` times; the median is judged, the first run shown too. Peak
   memory is the child's resident-set high-water mark (getrusage).

Targets for the simulation (a and c): ≤ 2 s at 1,000,000 persons, ≤ 15 s and ≤ 4 GB at
8,000,000. Prints a table and writes bench/results/policies.json (one entry per size, next to
earlier runs of other sizes). Files are written under a temporary name and renamed, so
Ctrl-C stops it cleanly and a re-run starts where the caches end.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
DB = WORK / "registry.sqlite3"
SIZES = (1_000_000, 8_000_000)
QUICK = 100_000
BASE_SIZE = 1_000_000  # the synthesised table's size (the registry's is what it holds)
TIME_TARGET_S = {1_000_000: 2.0, 8_000_000: 15.0}
MEMORY_TARGET_MB = {8_000_000: 4096}
HUKOU_LOWER_BY = 30
CLASS_A_LOWER_BY = 10
DISTRICTS = {  # Guangzhou's districts and a rough share of the population
    "440103": 0.07,
    "440104": 0.06,
    "440105": 0.11,
    "440106": 0.12,
    "440111": 0.2,
    "440112": 0.07,
    "440113": 0.15,
    "440114": 0.07,
    "440115": 0.05,
    "440117": 0.03,
    "440118": 0.07,
}


def setup_django() -> None:
    """Django pointed at the benchmark's registry (read only by the facts build)."""
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings.base")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def as_of() -> datetime.date:
    """The registry's own today: the generator's reference date."""
    sys.path.insert(0, str(ROOT / "src"))
    from onewindow.registry.generate import REFERENCE_DATE

    return REFERENCE_DATE


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write under a temporary name, then rename: a reader never sees half a file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.replace(partial, path)


# --- the facts table -----------------------------------------------------------------------------


def registry_stamp() -> dict[str, Any]:
    """What the cached facts table was built from: a different registry means a rebuild."""
    stat = DB.stat()
    return {"db": str(DB), "db_bytes": stat.st_size, "db_mtime_ns": stat.st_mtime_ns}


def facts_from_registry(out: Path) -> dict[str, Any]:
    """`facts_table.build` over the benchmark's registry (in a child process)."""
    setup_django()
    from onewindow.policies import facts_table

    started = time.perf_counter()
    meta = facts_table.build(as_of=as_of(), out=out)
    seconds = time.perf_counter() - started
    return {**meta, "build_seconds": round(seconds, 1), "build_peak_mb": round(peak_mb())}


def synthesise(n: int, seed: int = 1) -> Any:
    """A facts table of `n` persons with the registry's columns, drawn with numpy: 1% foreign
    nationals, about half of the citizens with a hukou elsewhere, ages, schooling, years of
    residence, work and insurance that go with the age."""
    import numpy as np
    import polars as pl

    from onewindow.policies.facts_table import derived_columns
    from onewindow.policies.registry_facts import EDUCATION_LEVELS

    rng = np.random.default_rng(seed)
    foreign = rng.random(n) < 0.01
    migrant = ~foreign & (rng.random(n) < 0.55)
    age = np.where(
        rng.random(n) < 0.16,
        rng.integers(0, 18, n),
        np.clip(rng.normal(38, 13, n), 18, 95).astype(np.int16),
    ).astype(np.int16)
    adult = age >= 18
    school = np.clip(rng.normal(5.2, 1.8, n), 0, 8).round().astype(int)
    school = np.where(adult, school, np.minimum(school, np.clip(age // 4, 0, 3)))
    education = np.array(EDUCATION_LEVELS)[school]
    months = np.where(
        migrant | foreign,
        np.minimum(rng.exponential(70, n), age * 12.0),
        age * 12.0 * rng.uniform(0.6, 1.0, n),
    ).astype(np.int32)
    current = rng.random(n) < 0.9
    employed = adult & (age < 62) & (rng.random(n) < 0.72)
    working_life = np.clip(age - 20, 0, None)
    experience = np.minimum(rng.gamma(2.0, 5.0, n), working_life).astype(np.int32)
    insured = np.minimum(experience, rng.gamma(2.0, 4.0, n)).astype(np.int32)
    kinds = np.where(employed, rng.choice([3, 4, 5], n, p=[0.1, 0.2, 0.7]), rng.integers(0, 3, n))
    districts = list(DISTRICTS)
    weights = np.array(list(DISTRICTS.values()))
    table = pl.DataFrame(
        {
            "person_id": np.arange(1, n + 1, dtype=np.int64),
            "nationality": np.where(
                foreign, rng.choice(["US", "JP", "KR", "DE", "FR", "GB", "RU", "IN"], n), "CN"
            ),
            "sex": rng.choice(["M", "F"], n),
            "district": rng.choice(districts, n, p=weights / weights.sum()),
            "age": age,
            "foreign": foreign,
            "internal_migrant": migrant,
            "education_level": education,
            "residence_months": months,
            "current_residence": current,
            "employed": employed,
            "experience_years": experience,
            "pension_years": insured,
            "medical_months": (insured * 12 + rng.integers(0, 12, n)).astype(np.int32),
            "insurance_type_years": (insured * kinds).astype(np.int32),
        }
    )
    return table.with_columns(*derived_columns())


def base_table(rebuild: bool) -> tuple[Path, dict[str, Any]]:
    """The facts table every size is made from, built (or synthesised) once and kept."""
    WORK.mkdir(parents=True, exist_ok=True)
    if DB.exists():
        path = WORK / "policies-facts-registry.parquet"
        stamp_path = path.with_suffix(".stamp.json")
        stamp = registry_stamp()
        if not rebuild and path.exists() and stamp_path.exists():
            kept = json.loads(stamp_path.read_text())
            if kept.get("stamp") == stamp and kept.get("as_of") == as_of().isoformat():
                return path, {**kept, "cached": True}
        print(f"-- building the facts table from {DB.name} (facts_table.build)", flush=True)
        info = child("build", out=path)
        info = {"source": "registry", "stamp": stamp, **info}
        write_json(stamp_path, info)
        return path, {**info, "cached": False}
    path = WORK / "policies-facts-synthetic.parquet"
    info = {
        "source": "synthetic",
        "note": f"no {DB.name}: facts synthesised with numpy",
        "persons": BASE_SIZE,
    }
    if rebuild or not path.exists():
        print(f"-- no {DB.relative_to(ROOT)}: synthesising {BASE_SIZE:,} persons' facts")
        started = time.perf_counter()
        partial = path.with_name(path.name + ".partial")
        synthesise(BASE_SIZE).write_parquet(partial, compression="zstd", row_group_size=500_000)
        os.replace(partial, path)
        info["build_seconds"] = round(time.perf_counter() - started, 1)
    return path, {**info, "cached": not (rebuild or "build_seconds" in info)}


def sized_table(base: Path, size: int) -> tuple[Path, str]:
    """The facts of `size` persons: the base table's first rows, or copies of it with fresh
    person ids; kept next to it."""
    import polars as pl
    from tqdm import tqdm

    rows = pl.scan_parquet(base).select(pl.len()).collect().item()
    if size == rows:
        return base, f"the table itself ({rows:,} persons)"
    copies = -(-size // rows)
    how = (
        f"the first {size:,} of {rows:,} persons"
        if copies == 1
        else f"{rows:,} persons repeated {copies} times with fresh person ids"
        + (f", cut to {size:,}" if copies * rows != size else "")
    )
    path = base.with_name(f"{base.stem}-{size}.parquet")
    if path.exists() and path.stat().st_mtime_ns >= base.stat().st_mtime_ns:
        return path, how
    if copies == 1:
        partial = path.with_name(path.name + ".partial")
        pl.scan_parquet(base).head(size).sink_parquet(partial, row_group_size=500_000)
        os.replace(partial, path)
        return path, how
    span = pl.scan_parquet(base).select(pl.col("person_id").max()).collect().item()
    with tempfile.TemporaryDirectory(dir=WORK, prefix="policies-parts-") as parts:
        frame = pl.read_parquet(base)
        for k in tqdm(range(copies), desc=f"{size:,} persons", unit="copies"):
            part = frame.with_columns(pl.col("person_id") + k * span)
            part.write_parquet(Path(parts) / f"{k:03d}.parquet", compression="zstd")
        del frame, part
        partial = path.with_name(path.name + ".partial")
        print(f"   writing {path.name}", flush=True)
        pl.scan_parquet(Path(parts) / "*.parquet").head(size).sink_parquet(
            partial, compression="zstd", row_group_size=500_000
        )
        os.replace(partial, path)
    return path, how


# --- the measurements (each in a child process) -------------------------------------------------


def policies() -> tuple[Any, Any, Any, Any]:
    """(hukou, its scenario, work permit, its scenario): the versions in force."""
    from onewindow.policies.catalogue import in_force
    from onewindow.policies.simulate import apply_overrides, class_thresholds

    hukou = in_force("gz_points_hukou", as_of()).policy
    permit = in_force("work_permit_points", as_of()).policy
    assert hukou.threshold is not None
    lower = apply_overrides(hukou, {"threshold": hukou.threshold - HUKOU_LOWER_BY})
    a = class_thresholds(permit)["A"]
    fewer = apply_overrides(permit, {"classes": {"A": a - CLASS_A_LOWER_BY}})
    return hukou, lower, permit, fewer


def hand_written(source: Any, base: float, scenario: float) -> dict[str, Any]:
    """gz_points_hukou@2023 by hand: the registry's facts only (the rest take their defaults
    and score 0), both thresholds, and the same counts as `simulate.run`."""
    import polars as pl

    from onewindow.policies.facts_table import age_band_expr
    from onewindow.policies.simulate import DIMENSIONS, MIN_CELL

    age = pl.col("age")
    points = (
        8 * pl.col("residence_years")
        + 2 * pl.col("insurance_type_years")
        + pl.when((age >= 18) & (age < 41))
        .then(30)
        .when(age >= 41)
        .then(pl.max_horizontal(28 - 2 * (age - 41), 0))
        .otherwise(0)
        + pl.col("education_level").replace_strict(
            {
                "doctorate": 30,
                "master": 30,
                "bachelor": 30,
                "junior_college": 20,
                "vocational": 10,
                "upper_secondary": 10,
            },
            default=0,
            return_dtype=pl.Int32,
        )
    )
    eligible = (
        (age <= 45)
        & pl.col("current_residence")
        & pl.col("employed")
        & (pl.col("pension_years") >= 4)
    )
    frame = (
        source.filter(pl.col("internal_migrant"))
        .select(
            *[c for c in DIMENSIONS if c != "age_band"],
            age_band_expr().alias("age_band"),
            (eligible & (points >= base)).alias("q_base"),
            (eligible & (points >= scenario)).alias("qualifies"),
        )
        .collect()
        .lazy()
    )
    aggs = [
        pl.len().alias("population"),
        pl.col("q_base").sum().alias("base"),
        pl.col("qualifies").sum().alias("scenario"),
        (pl.col("qualifies") & ~pl.col("q_base")).sum().alias("gained"),
        (~pl.col("qualifies") & pl.col("q_base")).sum().alias("lost"),
    ]
    overall = frame.select(aggs).collect().row(0, named=True)
    by = {
        dim: [
            {k: (v if isinstance(v, str) or not 0 < v < MIN_CELL else None) for k, v in row.items()}
            for row in frame.group_by(dim).agg(aggs).sort(dim).collect().iter_rows(named=True)
        ]
        for dim in DIMENSIONS
    }
    return {"overall": overall, "by": by}


def measure(task: str, path: Path, repeats: int) -> dict[str, Any]:
    import polars as pl

    from onewindow.policies import simulate

    hukou, lower, permit, fewer = policies()
    times, internal, result = [], [], {}
    for _ in range(repeats):
        source = pl.scan_parquet(path)
        started = time.perf_counter()
        if task == "hukou":
            result = simulate.run(hukou, lower, source=source)
        elif task == "hukou_hand":
            result = hand_written(source, hukou.threshold, lower.threshold)
        else:
            result = simulate.run(permit, fewer, source=source)
        times.append(time.perf_counter() - started)
        internal.append(result.get("seconds"))
    overall = result["overall"]
    out = {
        "seconds": [round(t, 3) for t in times],
        "first_s": round(times[0], 3),
        "median_s": round(statistics.median(times), 3),
        "peak_mb": round(peak_mb()),
        "overall": {k: overall[k] for k in ("population", "base", "scenario", "gained", "lost")},
        "by_district": [
            (row["district"], row["base"], row["scenario"]) for row in result["by"]["district"]
        ],
    }
    if task == "hukou":
        out["policy"] = f"{hukou.key}: threshold {hukou.threshold:g} → {lower.threshold:g}"
    elif task == "work_permit":
        before, after = (simulate.class_thresholds(p)["A"] for p in (permit, fewer))
        out["policy"] = f"{permit.key}: class A at {before:g} → {after:g} points"
        out["classes"] = result["classes"]
    return out


def child(task: str, **kwargs: Any) -> dict[str, Any]:
    """Run one task in a fresh interpreter, so that its peak memory is its own."""
    with tempfile.NamedTemporaryFile(dir=WORK, suffix=".json", delete=False) as f:
        answer = Path(f.name)
    try:
        command = [sys.executable, __file__, "--child", task, "--answer", str(answer)]
        command += [f"--{k.replace('_', '-')}={v}" for k, v in kwargs.items()]
        subprocess.run(command, check=True)
        return json.loads(answer.read_text())
    finally:
        answer.unlink(missing_ok=True)


def run_child(args: argparse.Namespace) -> int:
    setup_django()
    if args.child == "build":
        answer = facts_from_registry(Path(args.out))
    else:
        answer = measure(args.child, Path(args.source), args.repeats)
    Path(args.answer).write_text(json.dumps(answer))
    return 0


# --- the report ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    import polars as pl

    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "polars": pl.__version__,
        "polars_threads": pl.thread_pool_size(),
        "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def verdicts(size: int, entry: dict[str, Any]) -> dict[str, str]:
    """PASS/FAIL per target that applies at this size (the simulations, a and c)."""
    found = {}
    limit = TIME_TARGET_S.get(size)
    if limit is not None:
        worst = max(entry[t]["median_s"] for t in ("hukou", "work_permit"))
        found[f"time ≤ {limit:g} s"] = "PASS" if worst <= limit else "FAIL"
    memory = MEMORY_TARGET_MB.get(size)
    if memory is not None:
        worst = max(entry[t]["peak_mb"] for t in ("hukou", "work_permit"))
        found[f"peak ≤ {memory / 1024:g} GB"] = "PASS" if worst <= memory else "FAIL"
    return found


def save(report: dict[str, Any]) -> Path:
    """One entry per size in policies.json, so earlier runs of other sizes are kept."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "policies.json"
    runs = json.loads(path.read_text()).get("runs", {}) if path.exists() else {}
    for size, entry in report["runs"].items():
        runs[size] = {**entry, "facts": report["facts"], "machine": report["machine"]}
    ordered = dict(sorted(runs.items(), key=lambda kv: int(kv[0])))
    write_json(path, {"runs": ordered})
    return path


def print_table(report: dict[str, Any]) -> None:
    facts = report["facts"]
    rows: list[tuple[str, str, str]] = []
    if facts["source"] == "registry":
        built = f"{facts['build_seconds']} s, peak {facts['build_peak_mb']:,} MB"
        note = "cached from an earlier run" if facts["cached"] else "built in this run"
        rows.append(
            (f"facts table ({facts['persons']:,} persons)", f"facts_table.build {built}", note)
        )
    else:
        rows.append(("facts table", facts["note"], ""))
    for size, entry in report["runs"].items():
        rows.append(("", "", ""))
        rows.append((f"{int(size):,} persons", entry["frame"], ""))
        ratio = entry["ratio_generic_to_hand_written"]
        for task, label in (
            ("hukou", "hukou (generic)"),
            ("hukou_hand", "hukou (hand-written)"),
            ("work_permit", "work permit (generic)"),
        ):
            m = entry[task]
            value = f"median {m['median_s']:.2f} s, first {m['first_s']:.2f} s"
            value += f", peak {m['peak_mb']:,} MB"
            note = m.get("policy", "")
            if task == "hukou_hand":
                agree = "same counts" if entry["baseline_agrees"] else "COUNTS DIFFER"
                note = f"generic/hand-written {ratio:.2f}×, {agree}"
            rows.append((f"  {label}", value, note))
        pop = entry["hukou"]["overall"]
        rows.append(
            (
                "  hukou counts",
                f"{pop['population']:,} migrants: {pop['base']:,} → {pop['scenario']:,}",
                f"gained {pop['gained']:,}",
            )
        )
        for target, verdict in entry["targets"].items():
            rows.append((f"  target {target}", verdict, ""))
    width = max(len(r[0]) for r in rows)
    print()
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<58} {note}".rstrip())
    print(f"\nwritten to {RESULTS / 'policies.json'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--quick", action="store_true", help=f"{QUICK:,} persons only")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="build the facts table again")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--answer", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child(args)
    sizes = [QUICK] if args.quick else [int(s.replace("_", "")) for s in args.sizes.split(",")]

    setup_django()
    print(f"== policies benchmark: {', '.join(f'{s:,}' for s in sizes)} persons, in {WORK}")
    base, facts = base_table(args.rebuild)
    report: dict[str, Any] = {"facts": facts, "runs": {}, "machine": machine()}
    for size in sizes:
        path, how = sized_table(base, size)
        print(f"-- {size:,} persons: {how}", flush=True)
        entry: dict[str, Any] = {"persons": size, "frame": how, "repeats": args.repeats}
        for task in ("hukou", "hukou_hand", "work_permit"):
            print(f"   {task} …", flush=True)
            entry[task] = child(task, source=path, repeats=args.repeats)
        generic, hand = entry["hukou"], entry["hukou_hand"]
        entry["ratio_generic_to_hand_written"] = round(generic["median_s"] / hand["median_s"], 2)
        entry["baseline_agrees"] = (
            generic["overall"] == hand["overall"] and generic["by_district"] == hand["by_district"]
        )
        entry["targets"] = verdicts(size, entry)
        entry["quick"] = args.quick
        report["runs"][str(size)] = entry
    save(report)
    print_table(report)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
