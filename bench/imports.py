"""Import benchmark: an agency extract of N rows, end to end, against raw SQLite.

    .venv/bin/python bench/imports.py [--rows 1000000] [--seed 1]

Writes a social-insurance extract of N synthetic rows (GB18030 CSV, valid resident ID
numbers, 1 row in 50 with an error) under bench/work/, then on a fresh migrated SQLite
database imports it with `import_file` (detect the encoding, hash the file, parse, validate
every cell, stage or reject, chunked transactions with progress) and, as the baseline,
reads the same file with Python's csv module and inserts the same rows untouched with raw
`sqlite3.executemany` into the same table on a copy of the database, one transaction per
5,000 rows. The ratio ours/raw says what validation and provenance cost. Prints a table,
writes bench/results/imports.json (one entry per size). Ctrl-C stops it; a re-run starts over.
"""

import argparse
import csv
import datetime
import io
import json
import os
import platform
import random
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
DB = WORK / "imports.sqlite3"
RAW_DB = WORK / "imports-raw.sqlite3"
HEADER = ["个人编号", "姓名", "性别", "出生日期", "公民身份号码", "户籍地", "参保区"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
DISTRICTS = ["440103", "440104", "440105", "440106", "440111", "440112", "440113"]


def write_extract(path: Path, rows: int, seed: int) -> None:
    from stdnum.cn import ric

    rng = random.Random(seed)
    tmp = path.with_suffix(".partial")
    with tmp.open("w", encoding="gb18030", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(1, rows + 1):
            born = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(16000))
            body = f"110101{born:%Y%m%d}{n % 1000:03d}"
            number = body + ric.calc_check_digit(body + "0")
            date = born.strftime("%Y/%m/%d")
            if n % 50 == 0:
                date = f"{born.year}/13/01"  # one row in 50 is rejected
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            sex = rng.choice("男女")
            writer.writerow(
                [f"SI{n:09d}", name, sex, date, number, "430102", rng.choice(DISTRICTS)]
            )
    tmp.replace(path)


def setup_django() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    for p in WORK.glob("imports*.sqlite3*"):
        p.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ["ONEWINDOW_VAR_DIR"] = str(WORK / "imports-var")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings.base")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    shutil.copyfile(DB, RAW_DB)


def ours(path: Path) -> tuple[float, Any]:
    from tqdm import tqdm

    from onewindow.consolidation.services import import_file

    shutil.rmtree(WORK / "imports-var", ignore_errors=True)
    started = time.perf_counter()
    with tqdm(desc="import_file", unit="rows") as bar:
        batch = import_file(
            actor=None, source_code="social_insurance", path=path, progress=bar.update
        )
    return time.perf_counter() - started, batch


def raw(path: Path) -> float:
    """The same rows, unvalidated, inserted as they are (dates as text) into the same table."""
    from django.conf import settings

    pragmas = settings.DATABASES["default"].get("OPTIONS", {}).get("init_command", "")
    conn = sqlite3.connect(RAW_DB, isolation_level=None)
    for pragma in (p for p in pragmas.split(";") if p.strip()):
        conn.execute(pragma)
    conn.execute(
        "INSERT INTO consolidation_importbatch (uid, created_at, updated_at, source, file_name,"
        " sha256, size, file_format, encoding, status, problem, rows_done, rows_accepted,"
        " rows_rejected, started_by_id, finished_at) VALUES ('x', '', '', 's', 'f', 'h', 0, 'csv',"
        " 'gb18030', 'running', '', 0, 0, 0, NULL, NULL)"
    )
    sql = (
        "INSERT INTO consolidation_stagedrecord (batch_id, source, row_number, source_record_id,"
        " zh_name, family_name, given_name, latin_family_name, latin_given_name, sex, birth_date,"
        " nationality, resident_id, passport_number, hukou_place, district, address)"
        " VALUES (1, 'social_insurance', ?, ?, ?, '', '', '', '', ?, ?, '', ?, '', ?, ?, '')"
    )
    started = time.perf_counter()
    with path.open("rb") as f:
        reader = csv.reader(io.TextIOWrapper(f, encoding="gb18030", newline=""))
        next(reader)
        chunk: list[tuple] = []
        for n, row in enumerate(reader, start=1):
            chunk.append((n, *row))
            if len(chunk) == 5000:
                conn.execute("BEGIN")
                conn.executemany(sql, chunk)
                conn.execute("COMMIT")
                chunk = []
        conn.execute("BEGIN")
        conn.executemany(sql, chunk)
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    extract = WORK / f"imports-extract-{args.rows}.csv"
    WORK.mkdir(parents=True, exist_ok=True)
    if not extract.exists():
        print(f"== writing a {args.rows:,}-row GB18030 extract")
        write_extract(extract, args.rows, args.seed)
    setup_django()
    try:
        ours_s, batch = ours(extract)
        raw_s = raw(extract)
    except KeyboardInterrupt:
        print("\nstopped")
        return 130
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "rows": args.rows,
        "file_mb": round(extract.stat().st_size / 1e6, 1),
        "import_file_s": round(ours_s, 1),
        "import_rows_per_s": round(args.rows / ours_s),
        "accepted": batch.rows_accepted,
        "rejected": batch.rows_rejected,
        "raw_sqlite_s": round(raw_s, 1),
        "raw_rows_per_s": round(args.rows / raw_s),
        "ratio_ours_to_raw": round(raw_s / ours_s, 2),
        "peak_memory_mb": round(peak),
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        },
    }
    print()
    print(f"{'rows':28}{args.rows:,} ({result['file_mb']} MB GB18030 CSV)")
    print(
        f"{'import_file':28}{ours_s:.1f} s = {result['import_rows_per_s']:,} rows/s "
        f"({batch.rows_accepted:,} accepted, {batch.rows_rejected:,} rejected)"
    )
    print(f"{'raw csv + executemany':28}{raw_s:.1f} s = {result['raw_rows_per_s']:,} rows/s")
    print(f"{'ratio ours/raw':28}{result['ratio_ours_to_raw']}")
    print(f"{'peak memory':28}{result['peak_memory_mb']} MB")
    out = RESULTS / "imports.json"
    data = json.loads(out.read_text()) if out.exists() else {"runs": {}}
    data["runs"][str(args.rows)] = result
    RESULTS.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
