"""The database triggers that make the audit log append-only, per database vendor."""

from django.db.backends.base.base import BaseDatabaseWrapper

CREATE = {
    "sqlite": [
        """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
        """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$""",
        """CREATE OR REPLACE TRIGGER audit_event_append_only
           BEFORE UPDATE OR DELETE ON audit_auditevent
           FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    ],
}
DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
        "DROP FUNCTION IF EXISTS audit_append_only()",
    ],
}


def set_append_only(connection: BaseDatabaseWrapper, on: bool) -> None:
    """Create (or drop) the triggers. Dropping is for tests that must empty the table."""
    with connection.cursor() as cursor:
        for sql in (CREATE if on else DROP).get(connection.vendor, []):
            cursor.execute(sql)
