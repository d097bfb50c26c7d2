"""Monitoring benchmark: the dashboard's panels and the nightly run at Guangzhou's scale.

    .venv/bin/python bench/monitoring.py [--persons 1000000 8000000] [--applications N]
        [--requests 40]

For each population, on a SQLite database under bench/work/monitoring-<persons>.sqlite3:

1. the synthetic city (`generate_city`, resumable), then, once (a stamp table marks it done):
   resident accounts for 1 person in 20, a supervisor per district and an officer per
   agency and district; permits (every foreign national's work-and-residence permit,
   expiring from 60 days ago to 940 days ahead, so some lapse; a residence permit for 3 in
   10 internal migrants, most endorsed); applications (persons ÷ 8 by default, so 1,000,000
   at 8 million) over two years with their reviews, lead times per type and agency, some
   decided late and some overdue; the stations' services with course enrolments and
   legal-aid requests. Everything set-based: INSERT … SELECT, or numpy rows and
   executemany;
2. the nightly run timed: `refresh_aggregates(full=True)` (each step; the first night of a
   month), `run_alerts` the first time (everything due is new) and again (nothing new: the
   steady state of later nights), then a usual night's refresh (the recent months'
   registrations and departures only);
3. every panel's view (`monitoring.views.panel_view`, template rendering included) called
   `--requests` times with a rotating mix of filters (none, a district, a period, residents'
   type, an application type, combinations), p50/p95 per panel; the whole dashboard page too;
4. baselines in the same run on the same database with raw sqlite3: the district figures
   and the agencies' median lead times computed from the registry and review tables
   themselves, as a dashboard without aggregates would.

Targets at 8 million persons and 1 million applications: every panel p95 ≤ 300 ms, the
nightly alert run ≤ 120 s (and, ours, the night's refresh + alerts within it too). Prints a
table and writes bench/results/monitoring.json. Ctrl-C stops it; a re-run resumes the city
and redoes only the unfinished seeding step.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
TARGET_PANEL_P95_MS = 300.0
TARGET_NIGHTLY_S = 120.0
FILTER_MIX = [
    {},
    {"district": "440106"},
    {"from": "2026-01", "to": "2026-06"},
    {"kind": "foreign"},
    {"type": "work_residence_permit"},
    {"district": "440111", "kind": "internal", "from": "2025-07"},
]


def _django(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["ONEWINDOW_VAR_DIR"] = str(db.parent / f"{db.stem}-var")
    os.environ["ONEWINDOW_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings.base")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings

    # The pages are rendered in-process, without collectstatic's manifest.
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _say(message: str) -> None:
    print(f"   {time.strftime('%H:%M:%S')} {message}", flush=True)


# --- seeding ------------------------------------------------------------------------------------


def _done(cursor: Any, step: str) -> bool:
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_seeded (step TEXT PRIMARY KEY)")
    cursor.execute("SELECT 1 FROM bench_seeded WHERE step = %s", [step])
    return cursor.fetchone() is not None


def _step(name: str, fn: Any, *args: Any) -> None:
    """Run a seeding step once, in its own transaction, and mark it done."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        if _done(cursor, name):
            return
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        detail = fn(cursor, *args)
        cursor.execute("INSERT INTO bench_seeded VALUES (%s)", [name])
    _say(f"seeded {name}: {detail} ({time.perf_counter() - started:.0f} s)")


UNUSABLE = "!"  # Django's mark for an unusable password hash
# Knuth's multiplicative hash of the row id: a deterministic pseudo-random number per row.
HASH = "((({id}) * 2654435761) % 1000003)"


def _accounts(cursor: Any) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    h = HASH.format(id="id")
    cursor.execute(
        f"""INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,
            email, is_staff, is_active, date_joined, role, person_id, language)
        SELECT '!', 0, 'r' || id, '', '', '', 0, 1, %s, 'resident', id,
            CASE {h} % 10 WHEN 6 THEN 'en' WHEN 7 THEN 'ko' WHEN 8 THEN 'ru' WHEN 9 THEN 'ar'
                WHEN 5 THEN 'fr' ELSE 'zh-hans' END
        FROM registry_person WHERE id % 20 = 0 AND status = 'active'""",
        [now],
    )
    return f"{cursor.rowcount:,} resident accounts"


def _staff(cursor: Any) -> str:
    from onewindow.accounts.models import Agency, Role, User
    from onewindow.geo.models import District

    made = 0
    for district in District.objects.all():
        supervisor = User.objects.create(
            username=f"sup-{district.code}",
            role=Role.SUPERVISOR,
            password="!",  # noqa: S106 unusable
        )
        supervisor.districts.add(district)
        made += 1
        for agency in Agency.objects.all():
            officer = User.objects.create(
                username=f"off-{agency.code}-{district.code}",
                role=Role.OFFICER,
                agency=agency,
                password=UNUSABLE,
            )
            officer.districts.add(district)
            made += 1
    return f"{made} staff"


def _permits(cursor: Any) -> str:
    h = HASH.format(id="p.id")
    common = """INSERT INTO permits_permit (uid, created_at, updated_at, number, permit_type,
        title_zh, title_en, holder_id, holder_masked, issued_on, valid_from, valid_to, status,
        revoke_reason, endorsed_until, version)"""
    cursor.execute(
        f"""{common}
        SELECT lower(hex(randomblob(16))), datetime('now'), datetime('now'), 'BW' || p.id,
            'work_residence_permit', '外国人工作居留许可', 'Work and residence permit', p.id,
            '***', date('now', printf('%+d days', {h} % 1000 - 790)),
            date('now', printf('%+d days', {h} % 1000 - 790)),
            date('now', printf('%+d days', {h} % 1000 - 60)), 'valid', '', NULL, 1
        FROM registry_person p WHERE p.nationality != 'CN'"""
    )
    foreign = cursor.rowcount
    cursor.execute(
        f"""{common}
        SELECT lower(hex(randomblob(16))), datetime('now'), datetime('now'), 'BR' || p.id,
            'residence_permit', '广东省居住证', 'Guangdong residence permit', p.id, '***',
            date('now', printf('-%d days', {h} % 1090)),
            date('now', printf('-%d days', {h} % 1090)),
            date('now', printf('+%d days', 1095 - {h} % 1090)), 'valid', '',
            CASE WHEN {h} % 10 = 0 THEN NULL
                 ELSE min(date('now', printf('+%d days', {h} % 365)),
                          date('now', printf('+%d days', 1095 - {h} % 1090))) END, 1
        FROM registry_person p WHERE p.nationality = 'CN' AND {h} % 10 < 3"""
    )
    return f"{foreign:,} foreign nationals' and {cursor.rowcount:,} residence permits"


def _applications(cursor: Any, count: int, seed: int) -> str:
    import numpy as np

    from onewindow.accounts.models import Agency
    from onewindow.applications.definitions import application_types

    rng = np.random.default_rng(seed)
    types = application_types()
    codes = sorted(types)
    weights = np.array([3.0 if types[c].permit is not None else 1.0 for c in codes])
    agency_ids = dict(Agency.objects.values_list("code", "pk"))
    cursor.execute(
        "SELECT u.id, p.id, p.current_district_id FROM accounts_user u "
        "JOIN registry_person p ON p.id = u.person_id WHERE u.role = 'resident'"
    )
    users = np.array([(u, p, d or 0) for u, p, d in cursor.fetchall()], dtype=np.int64)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    # per type: a typical review time in days (gamma-distributed around it)
    typical = {c: 4 + 3 * (i % 5) for i, c in enumerate(codes)}
    app_cols = (
        "uid, created_at, updated_at, reference, type_code, type_version, applicant_id, "
        "person_id, district_id, status, data, priority, submitted_at, decided_at, version"
    )
    review_cols = (
        "uid, created_at, updated_at, application_id, agency_id, status, district_id, priority, "
        "deadline_working_days, due_date, decided_at, reason, version"
    )
    cursor.execute("SELECT coalesce(max(id), 0) FROM applications_application")
    next_id = cursor.fetchone()[0] + 1
    fmt = "%Y-%m-%d %H:%M:%S"
    made_reviews = 0
    for start in range(0, count, 50_000):
        n = min(50_000, count - start)
        pick = users[(np.arange(start, start + n) * 7919) % len(users)]
        kind = rng.choice(len(codes), size=n, p=weights / weights.sum())
        age_days = rng.uniform(0, 730, size=n)
        outcome = rng.random(n)
        apps, reviews = [], []
        for k in range(n):
            code = codes[kind[k]]
            submitted = now - datetime.timedelta(days=float(age_days[k]))
            review_days = [float(rng.gamma(2.0, typical[code] / 2.0)) for _ in types[code].reviews]
            total = max(review_days, default=1.0) + float(rng.uniform(0, 2))
            decided = submitted + datetime.timedelta(days=total)
            if decided < now:
                o = outcome[k]
                status = (
                    "rejected"
                    if o < 0.15
                    else "withdrawn"
                    if o < 0.2
                    else ("issued" if types[code].permit else "approved")
                )
            else:
                status, decided = ("info_requested" if outcome[k] < 0.1 else "in_review"), None
            app_id = next_id + start + k
            district = int(pick[k, 2]) or None
            apps.append(
                (uuid.uuid4().hex, submitted.strftime(fmt), submitted.strftime(fmt),
                 f"BM{app_id}", code, 1, int(pick[k, 0]), int(pick[k, 1]), district, status,
                 "{}", 0, submitted.strftime(fmt), decided.strftime(fmt) if decided else None, 1)
            )  # fmt: skip
            for spec, days in zip(types[code].reviews, review_days, strict=True):
                due = (submitted + datetime.timedelta(days=21)).date()
                review_decided = submitted + datetime.timedelta(days=days)
                if decided is not None or review_decided < now:
                    r_status = "rejected" if status == "rejected" else "approved"
                    r_decided = min(review_decided, decided or now).strftime(fmt)
                else:
                    r_status = "info_requested" if status == "info_requested" else "pending"
                    r_decided = None
                reviews.append(
                    (uuid.uuid4().hex, submitted.strftime(fmt), submitted.strftime(fmt), app_id,
                     agency_ids[spec.agency], r_status, district, 0, 15, due.isoformat(),
                     r_decided, "", 1)
                )  # fmt: skip
        marks = ", ".join(["%s"] * 15)
        cursor.executemany(
            f"INSERT INTO applications_application (id, {app_cols}) VALUES (%s, {marks})",
            [(next_id + start + k, *row) for k, row in enumerate(apps)],
        )
        marks = ", ".join(["%s"] * 13)
        cursor.executemany(
            f"INSERT INTO applications_review ({review_cols}) VALUES ({marks})", reviews
        )
        made_reviews += len(reviews)
        _say(f"applications {start + n:,}/{count:,}")
    return f"{count:,} applications, {made_reviews:,} reviews"


def _services(cursor: Any) -> str:
    from onewindow.services.demo import seed_services

    services = seed_services()
    cursor.execute("SELECT id FROM services_course")
    courses = [r[0] for r in cursor.fetchall()]
    if not courses:
        return f"{services} services, no courses"
    h = HASH.format(id="u.id")
    cursor.execute("CREATE TEMP TABLE bench_course (k INTEGER PRIMARY KEY, id INTEGER)")
    cursor.executemany("INSERT INTO bench_course VALUES (%s, %s)", list(enumerate(courses)))
    cursor.execute(
        f"""INSERT INTO services_enrolment (uid, created_at, updated_at, course_id, user_id,
            status, queued_at, certificate_number)
        SELECT lower(hex(randomblob(16))), datetime('now'), datetime('now'), c.id, u.id,
            CASE {h} % 5 WHEN 0 THEN 'waiting' WHEN 1 THEN 'completed' ELSE 'enrolled' END,
            datetime('now', printf('-%d days', {h} % 300)), ''
        FROM accounts_user u JOIN bench_course c ON c.k = {h} % {len(courses)}
        WHERE u.role = 'resident' AND u.id % 8 = 0"""
    )
    enrolments = cursor.rowcount
    cursor.execute("SELECT id FROM geo_servicestation ORDER BY id")
    stations = [r[0] for r in cursor.fetchall()]
    cursor.execute(
        f"""INSERT INTO services_legalaidrequest (uid, created_at, updated_at, requester_id,
            assigned_to_id, station_id, topic, status, language)
        SELECT lower(hex(randomblob(16))), datetime('now', printf('-%d days', {h} % 300)),
            datetime('now'), u.id, (SELECT min(id) FROM accounts_user WHERE role = 'supervisor'),
            {stations[0]} + {h} % {len(stations)},
            CASE {h} % 7 WHEN 0 THEN 'wages' WHEN 1 THEN 'working_time' WHEN 2 THEN 'contract'
                WHEN 3 THEN 'injury' WHEN 4 THEN 'housing' WHEN 5 THEN 'family' ELSE 'other' END,
            CASE {h} % 3 WHEN 0 THEN 'open' ELSE 'answered' END, u.language
        FROM accounts_user u WHERE u.role = 'resident' AND u.id % 40 = 1"""
    )
    return f"{services} services, {enrolments:,} enrolments, {cursor.rowcount:,} legal-aid requests"


def prepare(db: Path, persons: int, applications: int, seed: int) -> None:
    from django.core.management import call_command
    from django.db.backends.sqlite3.base import DatabaseWrapper

    from onewindow.accounts.services import agencies_load
    from onewindow.geo.services import geo_load_reference_data
    from onewindow.registry.generate import generate_city

    # After each migration Django re-checks every foreign key of the whole database: on the
    # 15 GB city that is a minute per migration, for rows the generator wrote with the
    # constraints on. The benchmark skips that re-check (never the constraints themselves).
    check = DatabaseWrapper.check_constraints
    DatabaseWrapper.check_constraints = lambda self, table_names=None: None
    try:
        call_command("migrate", verbosity=0)
    finally:
        DatabaseWrapper.check_constraints = check
    geo_load_reference_data()
    agencies_load()
    generate_city(persons=persons, seed=seed, chunk_size=20_000, progress=True)
    _step("accounts", _accounts)
    _step("staff", _staff)
    _step("permits", _permits)
    _step("applications", _applications, applications, seed)
    _step("services", _services)


# --- measuring ----------------------------------------------------------------------------------


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[max(0, int(0.95 * len(ordered)) - 1)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def _request(factory: Any, user: Any, path: str, query: dict[str, str]) -> Any:
    request = factory.get(path, query)
    request.user = user
    request.session = {}
    request.htmx = False
    request._messages = _NoMessages()
    return request


class _NoMessages:
    def __iter__(self) -> Any:
        return iter(())

    def add(self, *args: Any) -> None:
        return None


def measure(db: Path, requests: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import RequestFactory
    from django.utils import translation

    from onewindow.accounts.models import User
    from onewindow.monitoring import views
    from onewindow.monitoring.alerts import run_alerts
    from onewindow.monitoring.panels import PANELS
    from onewindow.monitoring.refresh import refresh_aggregates

    out: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for table in ("registry_person", "permits_permit", "applications_application",
                      "applications_review", "accounts_user", "services_enrolment"):  # fmt: skip
            cursor.execute(f"SELECT count(*) FROM {table}")
            out.setdefault("rows", {})[table] = cursor.fetchone()[0]
    _say(f"rows: {out['rows']}")

    steps: dict[str, float] = {}

    def progress(step: str, rows: int, seconds: float) -> None:
        steps[step] = round(seconds, 2)
        _say(f"refresh {step}: {rows:,} cells in {seconds:.1f} s")

    # Every run measures a first night: forget the alerts an earlier run sent.
    with connection.cursor() as cursor:
        for table in ("applications_notification", "monitoring_alertsent", "monitoring_alertrun"):
            cursor.execute(f"DELETE FROM {table}")
    started = time.perf_counter()
    run = refresh_aggregates(full=True, progress=progress)
    refresh_full_s = time.perf_counter() - started
    full_steps = dict(steps)
    steps.clear()
    started = time.perf_counter()
    first = run_alerts()
    alerts_first_s = time.perf_counter() - started
    _say(f"alerts (first night) {alerts_first_s:.1f} s: {first}")
    started = time.perf_counter()
    again = run_alerts()
    alerts_again_s = time.perf_counter() - started
    _say(f"alerts (again) {alerts_again_s:.1f} s: {again}")
    # the next night: the recent months' movements only
    started = time.perf_counter()
    refresh_aggregates(progress=progress)
    refresh_nightly_s = time.perf_counter() - started
    out["nightly"] = {
        "refresh_full_s": round(refresh_full_s, 1),
        "refresh_full_steps_s": full_steps,
        "refresh_nightly_s": round(refresh_nightly_s, 1),
        "refresh_nightly_steps_s": dict(steps),
        "cells": run.cells,
        "alerts_first_s": round(alerts_first_s, 1),
        "alerts_sent_first": first,
        "alerts_again_s": round(alerts_again_s, 1),
        "alerts_sent_again": again,
        "nightly_s": round(refresh_nightly_s + alerts_first_s, 1),
        "nightly_full_s": round(refresh_full_s + alerts_first_s, 1),
        "target_s": TARGET_NIGHTLY_S,
    }

    user = User.objects.get(username="sup-440106")
    user.is_verified = lambda: True  # the second factor, as the OTP middleware would set it
    factory = RequestFactory()
    panels: dict[str, Any] = {}
    with translation.override("zh-hans"):
        for name in PANELS:
            samples = []
            for i in range(requests):
                query = FILTER_MIX[i % len(FILTER_MIX)]
                request = _request(factory, user, f"/staff/monitoring/panels/{name}/", query)
                t = time.perf_counter()
                response = views.panel_view(request, name)
                samples.append(time.perf_counter() - t)
                assert response.status_code == 200, (name, response.status_code)
            panels[name] = _percentiles(samples)
            _say(f"panel {name}: {panels[name]}")
        samples = []
        for i in range(max(6, requests // 4)):
            request = _request(factory, user, "/staff/monitoring/", FILTER_MIX[i % len(FILTER_MIX)])
            t = time.perf_counter()
            views.dashboard(request)
            samples.append(time.perf_counter() - t)
        out["dashboard_page"] = _percentiles(samples)
    out["panels"] = panels
    out["panel_p95_max_ms"] = max(p["p95_ms"] for p in panels.values())
    out["target_panel_p95_ms"] = TARGET_PANEL_P95_MS
    out["baselines"] = _baselines(db)
    out["peak_memory_mb"] = _peak_mb()
    return out


def _baselines(db: Path) -> dict[str, Any]:
    """The same figures from the base tables, without the aggregates, with raw sqlite3."""
    import numpy as np

    con = sqlite3.connect(db)
    result = {}
    t = time.perf_counter()
    con.execute(
        "SELECT current_district_id, nationality = 'CN', count(*) FROM registry_person "
        "WHERE status = 'active' GROUP BY 1, 2"
    ).fetchall()
    result["districts_from_persons_ms"] = round((time.perf_counter() - t) * 1000, 1)
    t = time.perf_counter()
    rows = con.execute(
        "SELECT agency_id, julianday(decided_at) - julianday(created_at) FROM applications_review "
        "WHERE decided_at IS NOT NULL"
    ).fetchall()
    by_agency: dict[int, list[float]] = {}
    for agency, days in rows:
        by_agency.setdefault(agency, []).append(days)
    {a: (np.median(v), np.percentile(v, 90)) for a, v in by_agency.items()}
    result["lead_times_from_reviews_ms"] = round((time.perf_counter() - t) * 1000, 1)
    con.close()
    return result


def child(persons: int, applications: int, requests: int, seed: int) -> dict[str, Any]:
    db = WORK / f"monitoring-{persons}.sqlite3"
    WORK.mkdir(parents=True, exist_ok=True)
    _django(db)
    print(f"== {persons:,} persons, {applications:,} applications: {db}", flush=True)
    prepare(db, persons, applications, seed)
    result = measure(db, requests)
    result.update(persons=persons, applications=applications, database_mb=db.stat().st_size >> 20)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[1_000_000, 8_000_000])
    parser.add_argument("--applications", type=int, help="default: persons ÷ 8")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        persons = args.persons[0]
        result = child(persons, args.applications or persons // 8, args.requests, args.seed)
        print("RESULT " + json.dumps(result), flush=True)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "monitoring.json"
    results = json.loads(path.read_text()) if path.exists() else {"runs": {}}
    for persons in args.persons:
        # One process per size: Django is set up once per database, and memory is per size.
        command = [sys.executable, __file__, "--child", "--persons", str(persons),
                   "--requests", str(args.requests), "--seed", str(args.seed)]  # fmt: skip
        if args.applications:
            command += ["--applications", str(args.applications)]
        result_line = ""
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
            for line in proc.stdout:  # the child's progress, as it comes
                if line.startswith("RESULT "):
                    result_line = line
                else:
                    print(line, end="", flush=True)
        if proc.returncode != 0 or not result_line:
            sys.exit(proc.returncode or 1)
        result = json.loads(result_line[7:])
        result["machine"] = {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        }
        results["runs"][str(persons)] = result
        path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    _table(results)


def _table(results: dict[str, Any]) -> None:
    runs = results["runs"]
    sizes = sorted(runs, key=int)
    print()
    print(f"{'':34}" + "".join(f"{int(s):>16,}" for s in sizes))
    rows: list[tuple[str, Any]] = [
        ("applications", lambda r: f"{r['applications']:,}"),
        ("refresh, full recount (s)", lambda r: r["nightly"]["refresh_full_s"]),
        ("refresh, a usual night (s)", lambda r: r["nightly"]["refresh_nightly_s"]),
        ("alerts, first night (s, target 120)", lambda r: r["nightly"]["alerts_first_s"]),
        ("alerts, again (s)", lambda r: r["nightly"]["alerts_again_s"]),
        ("night: refresh + alerts (s)", lambda r: r["nightly"]["nightly_s"]),
        ("1st of month: full + alerts (s)", lambda r: r["nightly"]["nightly_full_s"]),
    ]
    names = sorted({n for s in sizes for n in runs[s]["panels"]})
    rows += [(f"p95 {n} (ms)", lambda r, n=n: r["panels"][n]["p95_ms"]) for n in names]
    rows += [
        ("max panel p95 (ms, target 300)", lambda r: r["panel_p95_max_ms"]),
        ("whole dashboard p95 (ms)", lambda r: r["dashboard_page"]["p95_ms"]),
        ("baseline: districts from persons", lambda r: r["baselines"]["districts_from_persons_ms"]),
        (
            "baseline: lead times from reviews",
            lambda r: r["baselines"]["lead_times_from_reviews_ms"],
        ),
        ("peak memory (MB)", lambda r: r["peak_memory_mb"]),
        ("database (MB)", lambda r: r["database_mb"]),
    ]
    for label, get in rows:
        print(f"{label[:34]:34}" + "".join(f"{get(runs[s])!s:>16}" for s in sizes))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
