"""The hash-chained audit log: append-only in the database, and every break found by verify."""

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from onewindow.accounts.models import Role
from onewindow.accounts.services import api_token_create, user_create
from onewindow.audit.models import AuditEvent, AuditHead
from onewindow.audit.services import _digest, audit_record, audit_verify


def record(n: int) -> list[AuditEvent]:
    """Append `n` events, as a service would, each in its own transaction."""
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit_record(
                    actor=None,
                    action="test",
                    object_type="thing",
                    object_id=str(i),
                    why="testing",
                    details={"i": i, "note": "电话"},
                )
            )
    return events


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def drop_triggers() -> None:
    """What an attacker with write access to the database could do first."""
    if connection.vendor == "postgresql":
        sql("DROP TRIGGER audit_event_append_only ON audit_auditevent")
    else:
        sql("DROP TRIGGER audit_event_no_update")
        sql("DROP TRIGGER audit_event_no_delete")


def problems() -> list[tuple[int, str]]:
    return [(p.seq, p.kind) for p in audit_verify()[1]]


def insert_row(*, seq: int, prev_hash: str, why: str = "forged") -> None:
    """Insert a row whose own hash is correct, as an attacker who read the code would."""
    fields: dict[str, Any] = {
        "seq": seq,
        "at": timezone.now(),
        "actor_id": None,
        "actor": "system",
        "action": "test",
        "object_type": "thing",
        "object_id": "x",
        "why": why,
        "details": {},
        "prev_hash": prev_hash,
    }
    AuditEvent.objects.create(**fields, hash=_digest(**fields))


@pytest.mark.django_db
def test_records_chain_to_each_other_and_to_the_head() -> None:
    # given the log as it is (the reference data loaded for the tests wrote to it)
    start = AuditHead.objects.get(pk=1)
    # when three events are recorded
    events = record(3)
    # then the sequence is gapless, each row points at the one before, the head at the last
    assert [e.seq for e in events] == [start.seq + 1, start.seq + 2, start.seq + 3]
    assert events[0].prev_hash == start.hash
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)


@pytest.mark.django_db
def test_an_intact_log_verifies() -> None:
    # given a few audited actions of real services
    before = AuditEvent.objects.count()
    with transaction.atomic():
        user = user_create(actor=None, username="ana", password="x" * 12, role=Role.ANALYST)
    api_token_create(actor=user, user=user, name="laptop")
    record(3)
    assert AuditEvent.objects.count() == before + 5
    # when verified / then no problem, every row was read, and the command says so
    assert audit_verify() == (before + 5, [])
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact" in out.getvalue()
    assert f"{before + 5} rows" in out.getvalue()


def test_audit_record_outside_a_transaction_is_refused() -> None:
    # given no open transaction (and no database access at all in this test)
    # when an event is recorded / then it is refused before touching the database
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=None, action="test", object_type="thing", why="testing")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET why = 'tampered' WHERE seq = %(second)s",
        "UPDATE audit_auditevent SET details = '{}'",
        "DELETE FROM audit_auditevent WHERE seq = %(second)s",
        "DELETE FROM audit_auditevent",
    ],
)
@pytest.mark.django_db
def test_the_database_refuses_to_change_the_log(statement: str) -> None:
    # given a log with three more rows
    events = record(3)
    rows = list(AuditEvent.objects.order_by("seq").values())
    # when a row is updated or deleted with raw SQL / then the database refuses
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(statement % {"second": events[1].seq})
    # and nothing changed
    assert list(AuditEvent.objects.order_by("seq").values()) == rows
    assert problems() == []


@pytest.mark.django_db
def test_the_orm_cannot_change_the_log_either() -> None:
    event = record(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(why="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).why == "testing"


@pytest.mark.django_db
def test_an_edited_row_is_found() -> None:
    # given five more rows and no triggers
    s = [e.seq for e in record(5)]
    drop_triggers()
    # when the reason of the second is changed
    sql("UPDATE audit_auditevent SET why = 'tampered' WHERE seq = %s", [s[1]])
    # then that row, and only that row, is reported as edited
    assert problems() == [(s[1], "edited")]


@pytest.mark.django_db
def test_an_edited_row_whose_hash_was_recomputed_is_found_at_the_next_row() -> None:
    # given five more rows and no triggers
    events = record(5)
    s = [e.seq for e in events]
    drop_triggers()
    # when the second is edited and its own hash recomputed
    row = AuditEvent.objects.get(seq=s[1])
    fields = {
        f: getattr(row, f)
        for f in (
            "seq",
            "at",
            "actor_id",
            "actor",
            "action",
            "object_type",
            "object_id",
            "details",
            "prev_hash",
        )
    }
    new_hash = _digest(**fields, why="tampered")
    sql("UPDATE audit_auditevent SET why = 'tampered', hash = %s WHERE seq = %s", [new_hash, s[1]])
    assert new_hash != events[1].hash
    # then the third no longer follows it
    assert [seq for seq, _ in problems()] == [s[2]]


@pytest.mark.django_db
def test_a_deleted_middle_row_is_found() -> None:
    s = [e.seq for e in record(5)]
    drop_triggers()
    sql("DELETE FROM audit_auditevent WHERE seq = %s", [s[2]])
    assert problems() == [(s[2], "deleted")]


@pytest.mark.django_db
def test_deleted_middle_rows_are_found_at_the_first_missing_one() -> None:
    s = [e.seq for e in record(6)]
    drop_triggers()
    sql("DELETE FROM audit_auditevent WHERE seq IN (%s, %s)", [s[2], s[3]])
    count, found = audit_verify()
    assert count == AuditEvent.objects.count()
    assert [(p.seq, p.kind) for p in found] == [(s[2], "deleted")]
    assert f"{s[2]}..{s[3]}" in found[0].message


@pytest.mark.django_db
def test_a_deleted_last_row_is_found_from_the_head() -> None:
    # given five more rows / when the last is deleted / then the head shows it is missing
    s = [e.seq for e in record(5)]
    drop_triggers()
    sql("DELETE FROM audit_auditevent WHERE seq = %s", [s[-1]])
    assert problems() == [(s[-1], "deleted")]


@pytest.mark.django_db
def test_deleted_last_rows_are_found_at_the_first_missing_one() -> None:
    # given five more rows / when the last two are deleted
    s = [e.seq for e in record(5)]
    drop_triggers()
    sql("DELETE FROM audit_auditevent WHERE seq >= %s", [s[3]])
    # then the problem is named at the first missing row, as for rows missing in the middle
    found = audit_verify()[1]
    assert f"{s[3]}..{s[4]}" in found[0].message
    assert [(p.seq, p.kind) for p in found] == [(s[3], "deleted")]


@pytest.mark.django_db
def test_every_row_deleted_is_found() -> None:
    record(3)
    drop_triggers()
    sql("DELETE FROM audit_auditevent")
    count, found = audit_verify()
    assert count == 0
    assert [p.kind for p in found] == ["deleted"]


@pytest.mark.django_db
def test_a_row_appended_behind_the_heads_back_is_found() -> None:
    # given five more rows (inserting needs no trigger dropped: the log is append-only)
    events = record(5)
    # when a row with a correct hash, chained to the last, is inserted without moving the head
    insert_row(seq=events[-1].seq + 1, prev_hash=events[-1].hash)
    # then that row is reported as inserted
    assert problems() == [(events[-1].seq + 1, "inserted")]


@pytest.mark.django_db
def test_a_row_inserted_in_the_middle_by_renumbering_is_found() -> None:
    # given five more rows and no triggers
    events = record(5)
    s = [e.seq for e in events]
    drop_triggers()
    # when the last three are moved up one place, a forged row put in between, the head moved
    sql("UPDATE audit_auditevent SET seq = -seq WHERE seq >= %s", [s[2]])
    sql("UPDATE audit_auditevent SET seq = 1 - seq WHERE seq < 0")
    insert_row(seq=s[2], prev_hash=events[1].hash)
    AuditHead.objects.filter(pk=1).update(seq=s[-1] + 1)
    # then the chain breaks at or after the forged row
    found = problems()
    assert found
    assert all(seq >= s[2] for seq, _ in found)


@pytest.mark.django_db
def test_the_verify_command_fails_on_a_broken_log() -> None:
    s = [e.seq for e in record(3)]
    drop_triggers()
    sql("UPDATE audit_auditevent SET object_id = 'other' WHERE seq = %s", [s[0]])
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("audit", "verify", stdout=out)
    assert "edited" in out.getvalue()
    assert "intact" not in out.getvalue()
