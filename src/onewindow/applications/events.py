"""Transition rows, audit rows and notifications for applications, in the transaction of
the change; e-mails leave only after it commits."""

from typing import Any

from django.conf import settings
from django.core.mail import send_mail, send_mass_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from onewindow.audit.services import audit_record

from .definitions import application_type
from .models import Application, Notification, Review, Status, Transition


def transition(
    *,
    actor: Any,
    application: Application,
    to_status: str,
    from_status: str = "",
    review: Review | None = None,
    reason: str = "",
) -> Transition:
    row = Transition.objects.create(
        application=application,
        review=review,
        actor=actor if getattr(actor, "pk", None) else None,
        at=timezone.now(),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )
    audit_record(
        actor=actor,
        action=f"application_{to_status}" if review is None else f"review_{to_status}",
        object_type="application",
        object_id=str(application.uid),
        why="case_work",
        details={"review": review.agency.code if review else None, "from": from_status},
    )
    return row


def notify(
    *,
    user: Any,
    application: Application | None,
    kind: str,
    message: str,
    dedupe_key: str = "",
    **params: Any,
) -> Notification | None:
    """Tell `user`, in their language, in the app and by e-mail (after commit).

    `message` is a translatable source string with named placeholders; it is translated in
    the recipient's language, not the actor's. With a `dedupe_key`, a message already sent
    under that key is not sent again (returns None).
    """
    if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
        return None
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        values = {k: str(v) for k, v in params.items()}
        if application is not None:
            values.setdefault("reference", application.reference)
            values.setdefault("type", str(application_type(application.type_code).title))
        text = gettext(message) % values
        subject = gettext("OneWindow: %(reference)s") % values if application else "OneWindow"
    note = Notification.objects.create(
        user=user, application=application, kind=kind, text=text, dedupe_key=dedupe_key
    )
    if user.email:
        transaction.on_commit(
            lambda: send_mail(subject, text, None, [user.email], fail_silently=True)
        )
    return note


def notify_many(items: list[tuple[Any, str, dict[str, Any]]], *, kind: str, message: str) -> int:
    """`notify` for many recipients at once, without an application: `items` are (user,
    dedupe key, placeholder values). Keys already sent are skipped with one query per
    thousand; the rest are written with bulk inserts and e-mailed over one connection after
    commit. Returns how many were sent."""
    sent = 0
    for start in range(0, len(items), 1000):
        chunk = items[start : start + 1000]
        # by user and key: the (user, dedupe_key) index answers it, however many are stored
        seen = set(
            Notification.objects.filter(
                user_id__in={u.pk for u, _k, _v in chunk},
                dedupe_key__in=[key for _u, key, _v in chunk],
            ).values_list("user_id", "dedupe_key")
        )
        notes, mails = [], []
        for user, key, values in chunk:
            if (user.pk, key) in seen:
                continue
            seen.add((user.pk, key))
            with translation.override(user.language or settings.LANGUAGE_CODE):
                text = gettext(message) % {k: str(v) for k, v in values.items()}
            notes.append(Notification(user=user, kind=kind, text=text, dedupe_key=key))
            if user.email:
                mails.append(("OneWindow", text, None, [user.email]))
        Notification.objects.bulk_create(notes)
        if mails:
            transaction.on_commit(lambda mails=mails: send_mass_mail(mails, fail_silently=True))
        sent += len(notes)
    return sent


# Marked for translation here, translated in the recipient's language by `notify`.
STATUS_MESSAGES = {
    Status.IN_REVIEW: gettext_noop(
        "Your application %(reference)s (%(type)s) was submitted and is being reviewed."
    ),
    Status.INFO_REQUESTED: gettext_noop(
        "The reviewing agency needs more information for %(reference)s: %(question)s"
    ),
    Status.APPROVED: gettext_noop("Your application %(reference)s (%(type)s) was approved."),
    Status.REJECTED: gettext_noop(
        "Your application %(reference)s (%(type)s) was rejected: %(reason)s"
    ),
    Status.WITHDRAWN: gettext_noop("Your application %(reference)s was withdrawn."),
    Status.ISSUED: gettext_noop("Your permit for %(reference)s (%(type)s) has been issued."),
}
NEW_REVIEW = gettext_noop(
    "A new %(type)s application %(reference)s is in your agency's queue, due %(due)s."
)
REVIEW_DUE = gettext_noop("Review of %(reference)s (%(type)s) is due on %(due)s.")
REVIEW_OVERDUE = gettext_noop(
    "Review of %(reference)s (%(type)s) is overdue: it was due on %(due)s."
)
REASSIGNED = gettext_noop("Application %(reference)s (%(type)s) was assigned to you, due %(due)s.")
