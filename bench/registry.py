"""Registry benchmark: loading the synthetic city, and searching it.

    .venv/bin/python bench/registry.py [--persons 1000000] [--full] [--seed 1] [--queries 1000]

On fresh SQLite databases under bench/work/ (migrated once, then copied, so both have the
same schema, indexes and reference geography):

a. loading: `generate_city` end to end (rows built with numpy, written with `bulk_insert`,
   a transaction, an audit row and the run's progress per chunk), against a baseline that
   inserts the very same row tuples (built beforehand by `chunk_rows`, untimed) with raw
   `sqlite3.executemany`, one transaction per chunk, with the same connection settings. The
   ratio ours/raw says what the generator costs on top of SQLite itself (target ≥ 0.5).
b. search: p50/p95/p99 of `person_search` over mixed queries drawn from the population (ID
   and passport numbers, Chinese names, pinyin in several forms, foreigners' Latin names in
   several orders and cases), as an officer of one district and as an administrator.
   Targets: p95 ≤ 20 ms at 1 million persons, ≤ 50 ms at 8 million.
c. the process's peak memory (target ≤ 2 GB at 8 million).

Prints a table and writes bench/results/registry.json (one entry per population size).
Ctrl-C stops it cleanly.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
DB = WORK / "registry.sqlite3"
RAW_DB = WORK / "registry-raw.sqlite3"
FULL = 8_000_000
CHUNK = 20_000
SEARCH_P95_TARGET_MS = {1_000_000: 20.0, FULL: 50.0}
OFFICER_DISTRICT = "440106"  # Tianhe

# Query kinds and their share of the mix.
MIX = {
    "resident_id": 0.2,
    "passport": 0.1,
    "chinese_name": 0.2,
    "pinyin": 0.3,
    "latin_name": 0.2,
}


def setup_django(*, fresh: bool = True) -> None:
    """Point Django at the benchmark's database file (a fresh one unless told otherwise)."""
    WORK.mkdir(parents=True, exist_ok=True)
    for path in WORK.glob("registry*.sqlite3*") if fresh else ():
        path.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings.base")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def prepare() -> None:
    """Migrate, load the reference geography, and copy the result for the raw baseline."""
    from django.core.management import call_command
    from django.db import connection

    from onewindow.geo.services import geo_load_reference_data

    call_command("migrate", verbosity=0)
    geo_load_reference_data()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    shutil.copyfile(DB, RAW_DB)


def connection_pragmas() -> list[str]:
    """The PRAGMAs Django runs on each SQLite connection (settings' init_command)."""
    from django.conf import settings

    command = settings.DATABASES["default"].get("OPTIONS", {}).get("init_command", "")
    return [p.strip() for p in command.split(";") if p.strip()]


def load_ours(persons: int, seed: int) -> float:
    from onewindow.registry.generate import generate_city

    start = time.perf_counter()
    generate_city(persons=persons, seed=seed, chunk_size=CHUNK, progress=True)
    return time.perf_counter() - start


def load_raw(persons: int, seed: int) -> tuple[float, float]:
    """Insert the generator's rows with raw sqlite3; returns (insert seconds, build seconds)."""
    from tqdm import tqdm

    from onewindow.registry.generate import chunk_rows, city_plan

    plan = city_plan(persons=persons, seed=seed, chunk_size=CHUNK)
    db = sqlite3.connect(RAW_DB, isolation_level=None)
    for pragma in connection_pragmas():
        db.execute(pragma)
    inserting = building = 0.0
    with tqdm(total=persons, unit="persons", unit_scale=True, desc="raw sqlite3") as bar:
        for chunk in range(plan.chunks):
            start = time.perf_counter()
            rows = chunk_rows(plan, chunk)
            building += time.perf_counter() - start
            start = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            for model, (columns, data) in rows.tables.items():
                names = ", ".join(f'"{c}"' for c in columns)
                marks = ", ".join("?" * len(columns))
                db.executemany(
                    f'INSERT INTO "{model._meta.db_table}" ({names}) VALUES ({marks})', data
                )
            db.execute("COMMIT")
            inserting += time.perf_counter() - start
            bar.update(rows.persons)
    db.close()
    return inserting, building


def users() -> dict[str, Any]:
    from onewindow.accounts.models import Agency, Role, User
    from onewindow.accounts.services import agencies_load, user_create
    from onewindow.geo.models import District

    agencies_load()
    existing = {u.username: u for u in User.objects.filter(username__startswith="bench-")}
    if {"bench-officer", "bench-admin"} <= existing.keys():  # --search-only on a loaded city
        return {"officer": existing["bench-officer"], "administrator": existing["bench-admin"]}
    password = "bench-only password 2025!"  # noqa: S105 (a throw-away bench database)
    return {
        "officer": user_create(
            actor=None,
            username="bench-officer",
            password=password,
            role=Role.OFFICER,
            agency=Agency.objects.order_by("code").first(),
            districts=[District.objects.get(code=OFFICER_DISTRICT)],
        ),
        "administrator": user_create(
            actor=None, username="bench-admin", password=password, role=Role.ADMINISTRATOR
        ),
    }


def draw_queries(persons: int, seed: int, count: int) -> list[tuple[str, str]]:
    """(kind, query) pairs drawn from the population, reproducibly."""
    import numpy as np
    from anyascii import anyascii
    from pypinyin import Style, pinyin

    from onewindow.registry.models import GenerationRun, IdentityDocument, Person
    from onewindow.registry.names import has_cjk

    rng = np.random.default_rng([seed, 2025])
    base = GenerationRun.objects.get().id_base
    ids = (base + rng.choice(persons, size=min(persons, 4 * count), replace=False)).tolist()
    citizens = list(
        Person.objects.filter(id__in=ids, nationality="CN").prefetch_related("documents")
    )
    foreigners = list(
        Person.objects.exclude(nationality="CN")
        .filter(id__gte=base + int(rng.integers(0, max(persons - 50_000, 1))))
        .order_by("id")
        .prefetch_related("documents")[: max(count, 50)]
    )
    citizens.sort(key=lambda p: p.pk)
    rng.shuffle(citizens)
    rng.shuffle(foreigners)

    def tones(person: Person) -> str:
        """zhāng wěi; a surname keeps its reading as a surname (曾 is zēng, not céng)."""
        family = person.pinyin.split(" ", 1)[0]
        syllables = [s[0] for s in pinyin(person.zh_name, style=Style.TONE)]
        toned_family = "".join(syllables[: len(person.family_name)])
        if anyascii(toned_family) != family:
            toned_family = family
        return f"{toned_family} {''.join(syllables[len(person.family_name) :])}"

    def pinyin_form(person: Person, form: int) -> str:
        family, given = person.pinyin.split(" ", 1)
        return [
            f"{family} {given}",  # zhang wei
            f"{given.title()} {family.title()}",  # Wei Zhang
            f"{family}{given}",  # zhangwei
            tones(person),  # zhāng wěi
            f"{family.upper()} {given.upper()}",  # ZHANG WEI
        ][form]

    def latin_form(person: Person, form: int) -> str:
        family, given = person.latin_family_name, person.latin_given_name
        return [
            f"{given} {family}",
            f"{family.upper()}, {given}",
            f"{family} {given}".lower(),
            own_script(person),
        ][form]

    def own_script(person: Person) -> str:
        """The name as its bearer writes it: 伊藤洋介 (family first, in kanji), else given
        name first (Иван Петров)."""
        if has_cjk(person.family_name):
            return person.family_name + person.given_name
        return f"{person.given_name} {person.family_name}"

    queries: list[tuple[str, str]] = []
    c = f = 0
    for kind, share in MIX.items():
        for i in range(round(count * share)):
            if kind in ("passport", "latin_name"):
                person = foreigners[f % len(foreigners)]
                f += 1
            else:
                person = citizens[c % len(citizens)]
                c += 1
            doc: IdentityDocument = person.documents.all()[0]
            query = {
                "resident_id": lambda p, i, d=doc: d.number,
                "passport": lambda p, i, d=doc: d.number,
                "chinese_name": lambda p, i: p.zh_name,
                "pinyin": lambda p, i: pinyin_form(p, i % 5),
                "latin_name": lambda p, i: latin_form(p, i % 4),
            }[kind](person, i)
            queries.append((kind, query))
    order = rng.permutation(len(queries))
    return [queries[i] for i in order]


def percentiles(values: list[float]) -> dict[str, float]:
    import numpy as np

    if not values:
        return {}
    p50, p95, p99 = np.percentile(np.array(values) * 1000, [50, 95, 99])
    return {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "p99_ms": round(p99, 2)}


def search(queries: list[tuple[str, str]], user: Any, label: str) -> dict[str, Any]:
    from tqdm import tqdm

    from onewindow.registry.selectors import person_search

    for _kind, query in queries[:50]:  # warm the caches, as a running server is
        person_search(user=user, query=query, page=1)
    by_kind: dict[str, list[float]] = {kind: [] for kind in MIX}
    found = 0
    for kind, query in tqdm(queries, desc=f"search ({label})", unit="queries"):
        start = time.perf_counter()
        page = person_search(user=user, query=query, page=1)
        by_kind[kind].append(time.perf_counter() - start)
        found += bool(page.persons)
    every = [t for times in by_kind.values() for t in times]
    return {
        **percentiles(every),
        "queries": len(every),
        "with_results": found,
        "by_kind": {kind: percentiles(times) for kind, times in by_kind.items()},
    }


def explain(queries: list[tuple[str, str]], user: Any, kind: str) -> list[dict[str, Any]]:
    """The SQL and SQLite's plan of each statement of a search of `kind` (for a slow kind)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onewindow.registry.selectors import person_search

    query = next(q for k, q in queries if k == kind)
    with CaptureQueriesContext(connection) as captured:
        person_search(user=user, query=query, page=1)
    plans = []
    with connection.cursor() as cursor:
        for statement in captured.captured_queries:
            sql = statement["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plans.append({"sql": sql, "plan": [row[-1] for row in cursor.fetchall()]})
    return plans


def machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--full", action="store_true", help=f"{FULL:,} persons")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="measure search on the city a previous run left in bench/work (no loading)",
    )
    args = parser.parse_args()
    persons = FULL if args.full else args.persons

    setup_django(fresh=not args.search_only)
    print(f"== registry benchmark: {persons:,} persons, seed {args.seed}, SQLite in {WORK}")
    if args.search_only:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        load = None
    else:
        prepare()
        ours = load_ours(persons, args.seed)
        raw, build = load_raw(persons, args.seed)
        RAW_DB.unlink()
        for suffix in ("-wal", "-shm"):
            Path(f"{RAW_DB}{suffix}").unlink(missing_ok=True)
        load = {
            "ours_seconds": round(ours, 2),
            "ours_persons_per_s": round(persons / ours),
            "raw_insert_seconds": round(raw, 2),
            "raw_persons_per_s": round(persons / raw),
            "build_rows_seconds": round(build, 2),
            "ratio_ours_to_raw": round(raw / ours, 3),
            "target_ratio": 0.5,
        }
    people = users()
    queries = draw_queries(persons, args.seed, args.queries)
    results = {role: search(queries, user, role) for role, user in people.items()}
    target = SEARCH_P95_TARGET_MS.get(persons) or (20.0 if persons <= 1_000_000 else 50.0)
    slow = {
        kind
        for role in results.values()
        for kind, stats in role["by_kind"].items()
        if stats.get("p95_ms", 0) > target
    }
    plans = {kind: explain(queries, people["administrator"], kind) for kind in sorted(slow)}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {
        "persons": persons,
        "seed": args.seed,
        "chunk_size": CHUNK,
        "load": load,  # None with --search-only: see an earlier run for the loading
        "search": {"target_p95_ms": target, **results},
        "slow_query_plans": plans,
        "peak_memory_mb": round(peak_mb),
        "database_mb": round(DB.stat().st_size / 2**20),
        "machine": machine(),
    }
    save(report)
    print_table(report)
    return 0


def save(report: dict[str, Any]) -> None:
    """Keep one run per population size in registry.json, so 1M and 8M sit side by side."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "registry.json"
    runs = json.loads(path.read_text()).get("runs", {}) if path.exists() else {}
    runs[str(report["persons"])] = report
    ordered = dict(sorted(runs.items(), key=lambda kv: int(kv[0])))
    path.write_text(json.dumps({"runs": ordered}, indent=2, ensure_ascii=False) + "\n")


def print_table(report: dict[str, Any]) -> None:
    load, search_ = report["load"], report["search"]
    rows = [("persons", f"{report['persons']:,}", "")]
    if load:
        ours, raw = load["ours_persons_per_s"], load["raw_persons_per_s"]
        rows += [
            ("generate_city", f"{load['ours_seconds']} s", f"{ours:,} persons/s"),
            ("raw executemany", f"{load['raw_insert_seconds']} s", f"{raw:,} persons/s"),
            ("  (row building)", f"{load['build_rows_seconds']} s", ""),
            ("ratio ours/raw", f"{load['ratio_ours_to_raw']}", "target ≥ 0.5"),
        ]
    for role in ("officer", "administrator"):
        stats = search_[role]
        rows.append(
            (
                f"search, {role}",
                f"p50 {stats['p50_ms']} / p95 {stats['p95_ms']} / p99 {stats['p99_ms']} ms",
                f"target p95 ≤ {search_['target_p95_ms']} ms",
            )
        )
        for kind, k in stats["by_kind"].items():
            rows.append((f"  {kind}", f"p50 {k['p50_ms']} / p95 {k['p95_ms']} ms", ""))
    rows.append(("peak memory", f"{report['peak_memory_mb']:,} MB", "target ≤ 2,048 MB at 8M"))
    rows.append(("database", f"{report['database_mb']:,} MB", ""))
    width = max(len(r[0]) for r in rows)
    print()
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<44} {note}")
    print(f"\nwritten to {RESULTS / 'registry.json'}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
