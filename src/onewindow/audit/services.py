"""Writing to and verifying the hash-chained audit log."""

import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _digest(
    *,
    seq: int,
    at: datetime.datetime,
    actor_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    why: str,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [
            seq,
            at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            actor_id,
            actor,
            action,
            object_type,
            object_id,
            why,
            details,
            prev_hash,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: str = "",
    why: str,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the log, in the caller's transaction.

    `actor` is a user, or None for the system. `details` must hold no free text typed by a
    person (no names, no queries): ids, counts and codes only.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it logs")
    head = AuditHead.objects.select_for_update().get(pk=1)
    fields: dict[str, Any] = {
        "seq": head.seq + 1,
        "at": timezone.now(),
        "actor_id": getattr(actor, "pk", None),
        "actor": getattr(actor, "username", "") or "system",
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "why": why,
        "details": details or {},
        "prev_hash": head.hash,
    }
    fields["hash"] = _digest(**fields)
    event = AuditEvent.objects.create(**fields)
    AuditHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: str  # edited | deleted | inserted | head
    message: str


def _rows(batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def audit_verify() -> tuple[int, list[ChainProblem]]:
    """Walk the whole chain; return the number of rows checked and every problem found."""
    problems: list[ChainProblem] = []
    expected_seq, prev_hash, count = 1, GENESIS, 0
    for row in _rows():
        count += 1
        if row.seq != expected_seq:
            problems.append(
                ChainProblem(
                    expected_seq,
                    "deleted",
                    f"rows {expected_seq}..{row.seq - 1} are missing (deleted)",
                )
            )
        recomputed = _digest(
            seq=row.seq,
            at=row.at,
            actor_id=row.actor_id,
            actor=row.actor,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            why=row.why,
            details=row.details,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.hash:
            problems.append(ChainProblem(row.seq, "edited", f"row {row.seq} was edited"))
        elif row.prev_hash != prev_hash and row.seq == expected_seq:
            problems.append(
                ChainProblem(
                    row.seq,
                    "inserted",
                    f"row {row.seq} does not follow the row before it (a row was inserted)",
                )
            )
        prev_hash, expected_seq = row.hash, row.seq + 1
    head = AuditHead.objects.get(pk=1)
    last = expected_seq - 1
    if head.seq > last:
        problems.append(
            ChainProblem(
                expected_seq, "deleted", f"rows {expected_seq}..{head.seq} at the end are missing"
            )
        )
    elif head.seq < last:
        problems.append(
            ChainProblem(
                head.seq + 1,
                "inserted",
                f"rows {head.seq + 1}..{last} were added behind the log's back (inserted)",
            )
        )
    elif count and head.hash != prev_hash:
        problems.append(ChainProblem(last, "edited", f"row {last} does not match the log's head"))
    return count, problems


def audit_head() -> AuditHead:
    """The last sequence number and hash: kept outside the database (printed by `audit
    verify`), they also reveal a log cut short together with its head."""
    return AuditHead.objects.get(pk=1)
