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
