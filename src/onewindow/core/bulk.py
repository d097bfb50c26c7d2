"""Set-based bulk insertion for the paths that write millions of rows.

`COPY` on PostgreSQL, `executemany` in one transaction on SQLite: the same rows a raw
driver would send, without building a model instance per row.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


def bulk_insert(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (tuples in the order of `columns`, database-ready values) into `model`.

    Runs inside the caller's transaction; returns the number of rows written.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # noqa: S608
    return len(rows)


def reset_sequence(model: type[Model]) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequence past the largest one."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` new primary keys for rows inserted with explicit ids, in the caller's
    transaction: from the id sequence on PostgreSQL (so concurrent inserts never collide);
    past the largest id on SQLite, whose write lock the caller holds once it has written."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))
