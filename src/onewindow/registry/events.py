"""Audit rows for the registry, written in the transaction of the change or read they log."""

from typing import Any

from onewindow.audit.services import audit_record

from .models import Person


def person_event(
    *, actor: Any, person: Person, action: str, why: str, details: dict[str, Any] | None = None
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="person",
        object_id=str(person.uid),
        why=why,
        details=details,
    )
