"""Issue, renew, endorse, revoke: the rules, the audit rows, optimistic locking."""

import datetime
import re

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from stdnum.iso7064 import mod_97_10

from onewindow.audit.models import AuditEvent
from onewindow.core.errors import ConflictError, DomainError
from onewindow.permits.models import Permit, PermitStatus
from onewindow.permits.services import (
    add_months,
    permit_endorse,
    permit_issue,
    permit_renew,
    permit_revoke,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _events(permit, action):
    return AuditEvent.objects.filter(object_type="permit", object_id=str(permit.uid), action=action)


def test_issue_copies_the_type_and_numbers_the_permit(issue, holder):
    # when a permit is issued from 1 March 2025 for 12 months
    permit = issue(valid_from=datetime.date(2025, 3, 1))
    # then it runs to the last day of February 2026, titled as the type file says
    assert (permit.valid_from, permit.valid_to) == (
        datetime.date(2025, 3, 1),
        datetime.date(2026, 2, 28),
    )
    assert permit.title_zh == "外国人工作居留许可"
    assert permit.title_en == "Work and residence permit"
    assert permit.holder == holder and permit.holder_masked == "张*"
    assert permit.status == PermitStatus.VALID and permit.version == 1
    assert permit.issued_on == TODAY()
    assert re.fullmatch(r"GZWRP2025\d{8}\d{2}", permit.number)
    assert mod_97_10.is_valid(permit.number)
    assert _events(permit, "issue").count() == 1


def test_numbers_are_sequential_per_type_and_year(issue):
    first = issue(valid_from=datetime.date(2025, 1, 1))
    second = issue(valid_from=datetime.date(2025, 6, 1))
    other_year = issue(valid_from=datetime.date(2026, 1, 1))
    assert first.number[:-2].endswith("00000001")
    assert second.number[:-2].endswith("00000002")
    assert other_year.number.startswith("GZWRP2026") and other_year.number[:-2].endswith("1")


def test_issue_twice_for_one_application_is_refused(issue, make_application):
    # given a permit already issued for an application
    application = make_application()
    issue(application=application)
    events = AuditEvent.objects.count()
    # when the workflow tries to issue again
    with pytest.raises(DomainError) as excinfo:
        issue(application=application)
    # then it is refused with a clear code, and nothing was added
    assert excinfo.value.code == "permit_exists"
    assert application.reference in excinfo.value.text()
    assert Permit.objects.filter(application=application).count() == 1
    assert AuditEvent.objects.count() == events
    # and the next permit gets the next number (the refused one used none)
    nxt = issue()
    assert nxt.number[:-2].endswith("00000002")


def test_issue_refuses_a_holder_who_is_not_the_applications_person(
    make_person, make_application, spec
):
    other = make_person(zh_name="李娜")
    with pytest.raises(DomainError) as excinfo:
        permit_issue(
            actor=None,
            application=make_application(),
            holder=other,
            spec=spec,
            valid_from=TODAY(),
        )
    assert excinfo.value.code == "holder_mismatch"
    assert not Permit.objects.exists()


def test_imported_permit_has_no_application(holder, spec):
    permit = permit_issue(
        actor=None, application=None, holder=holder, spec=spec, valid_from=TODAY()
    )
    assert permit.application is None
    assert _events(permit, "issue").get().why == "import"


def test_foreign_holder_is_masked_in_latin_letters(make_person, make_application, spec):
    person = make_person(
        nationality="US",
        zh_name="",
        latin_family_name="Green",
        latin_given_name="John",
        family_name="Green",
        given_name="John",
    )
    permit = permit_issue(
        actor=None,
        application=make_application(person=person),
        holder=person,
        spec=spec,
        valid_from=TODAY(),
    )
    assert permit.holder_masked == "J*** G****"


def test_revoke_requires_a_reason(issue):
    permit = issue()
    for reason in ("", "   "):
        with pytest.raises(DomainError) as excinfo:
            permit_revoke(actor=None, permit=permit, reason=reason)
        assert excinfo.value.code == "reason_required"
    permit.refresh_from_db()
    assert permit.status == PermitStatus.VALID and permit.version == 1
    assert not _events(permit, "revoke").exists()


def test_revoke_requires_an_up_to_date_version(issue):
    # given two officers who loaded the same permit
    permit = issue()
    stale = Permit.objects.get(pk=permit.pk)
    permit_renew(actor=None, permit=permit, months=6)
    # when the one with the old copy revokes
    with pytest.raises(ConflictError) as excinfo:
        permit_revoke(actor=None, permit=stale, reason="fraud")
    # then they get a conflict and nothing changed
    assert excinfo.value.code == "permit_conflict" and excinfo.value.status == 409
    permit.refresh_from_db()
    assert permit.status == PermitStatus.VALID and permit.version == 2
    assert not _events(permit, "revoke").exists()


def test_revoke(issue):
    permit = issue()
    permit = permit_revoke(actor=None, permit=permit, reason="  obtained by fraud ")
    assert permit.status == PermitStatus.REVOKED
    assert permit.revoke_reason == "obtained by fraud" and permit.revoked_at is not None
    assert permit.version == 2
    event = _events(permit, "revoke").get()
    assert "fraud" not in str(event.details)  # free text stays out of the log
    with pytest.raises(DomainError) as excinfo:
        permit_revoke(actor=None, permit=permit, reason="again")
    assert excinfo.value.code == "permit_revoked"


def test_explicit_version_from_a_form_is_checked(issue):
    permit = issue()
    with pytest.raises(ConflictError):
        permit_revoke(actor=None, permit=permit, reason="fraud", version=7)
    assert permit_revoke(actor=None, permit=permit, reason="fraud", version=1).version == 2


def test_renew_extends_from_the_end_date(issue):
    permit = issue(valid_from=TODAY())
    end = permit.valid_to
    permit = permit_renew(actor=None, permit=permit, months=12)
    assert permit.valid_to == add_months(end, 12)
    assert permit.version == 2
    assert _events(permit, "renew").count() == 1


def test_renew_an_expired_permit_counts_from_today(issue):
    permit = issue(valid_from=TODAY() - datetime.timedelta(days=800))
    permit = permit_renew(actor=None, permit=permit, months=1)
    assert permit.valid_to == add_months(TODAY() - datetime.timedelta(days=1), 1)


@pytest.mark.parametrize("months", [0, -1, 121])
def test_renew_refuses_odd_lengths(issue, months):
    permit = issue()
    with pytest.raises(DomainError) as excinfo:
        permit_renew(actor=None, permit=permit, months=months)
    assert excinfo.value.code == "invalid_months"


def test_a_revoked_permit_is_neither_renewed_nor_endorsed(issue):
    permit = permit_revoke(actor=None, permit=issue(), reason="fraud")
    with pytest.raises(DomainError, match="permit_revoked"):
        permit_renew(actor=None, permit=permit, months=12)
    with pytest.raises(DomainError, match="permit_revoked"):
        permit_endorse(actor=None, permit=permit, until=TODAY() + datetime.timedelta(days=30))


def test_endorse(issue):
    permit = issue()
    until = TODAY() + datetime.timedelta(days=100)
    permit = permit_endorse(actor=None, permit=permit, until=until)
    assert permit.endorsed_until == until and permit.version == 2
    for bad in (TODAY(), until, permit.valid_to + datetime.timedelta(days=1)):
        with pytest.raises(DomainError) as excinfo:
            permit_endorse(actor=None, permit=permit, until=bad)
        assert excinfo.value.code == "invalid_endorsement"


def test_endorse_with_a_stale_copy_conflicts(issue):
    permit = issue()
    stale = Permit.objects.get(pk=permit.pk)
    permit_endorse(actor=None, permit=permit, until=TODAY() + datetime.timedelta(days=10))
    with pytest.raises(ConflictError):
        permit_endorse(actor=None, permit=stale, until=TODAY() + datetime.timedelta(days=20))


@given(
    st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 12, 31)),
    st.integers(0, 120),
)
def test_add_months(day, months):
    later = add_months(day, months)
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day == day.day or (
        later.day < day.day and (later + datetime.timedelta(1)).day == 1
    )


def test_a_resident_lists_only_their_own_permits(issue, holder_user, make_user, make_person):
    from onewindow.accounts.models import Role
    from onewindow.permits.selectors import permits_of_holder

    mine = issue()
    other = make_user(Role.RESIDENT, person=make_person(zh_name="李娜"))
    assert list(permits_of_holder(user=holder_user)) == [mine]
    assert list(permits_of_holder(user=other)) == []
