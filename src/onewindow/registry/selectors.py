"""Reads from the registry, scoped to what the acting user may see.

Scoping lives here, not in views: an officer, supervisor or station staff member sees persons
registered in their districts; an administrator sees everyone; a resident sees only themself;
analysts and employers see no person at all. Outside your scope a record does not exist (404).
Every read of a person's record writes an audit row.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from onewindow.accounts.models import Role
from onewindow.audit.services import audit_record

from .events import person_event
from .models import FamilyLink, IdentityDocument, NameKey, Person
from .names import looks_like_document_number, normalize_document_number, query_keys

SEARCH_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.STATION_STAFF, Role.ADMINISTRATOR})
_TOP = "\U0010ffff"


def visible_district_ids(user: Any) -> list[int] | None:
    """The districts whose residents `user` may see; None means every district."""
    if user.role == Role.ADMINISTRATOR:
        return None
    if user.role in (Role.OFFICER, Role.SUPERVISOR):
        return [d.pk for d in user.districts.all()]
    if user.role == Role.STATION_STAFF and user.station_id:
        return [user.station.district_id]
    return []


def persons_visible_to(user: Any) -> QuerySet[Person]:
    """Every person `user` may see (a resident: only themself)."""
    if not getattr(user, "is_authenticated", False):
        return Person.objects.none()
    if user.role == Role.RESIDENT:
        return Person.objects.filter(pk=user.person_id) if user.person_id else Person.objects.none()
    districts = visible_district_ids(user)
    if districts is None:
        return Person.objects.all()
    return Person.objects.filter(current_district_id__in=districts)


def can_search(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in SEARCH_ROLES


def can_see_full_numbers(user: Any, person: Person) -> bool:
    """Officers, supervisors and administrators need whole ID numbers; others see them masked,
    except a resident looking at their own record."""
    if user.role in (Role.OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR):
        return True
    return user.role == Role.RESIDENT and user.person_id == person.pk


def mask_number(number: str) -> str:
    """440103********123X: enough to tell documents apart, not enough to use one."""
    if len(number) <= 6:
        return "*" * (len(number) - 2) + number[-2:]
    keep = 4 if len(number) > 10 else 2
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


@dataclass(frozen=True)
class SearchPage:
    persons: list[Person]
    page: int
    has_next: bool
    page_size: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _ranked_ids(query: str, districts: list[int] | None, need: int) -> list[int]:
    """Person ids in rank order, at most `need`: exact key matches first, then prefix matches
    (shorter completions first). Every step reads only the (key, district, person) index."""
    if looks_like_document_number(query):
        docs = IdentityDocument.objects.filter(number=normalize_document_number(query))
        if districts is not None:
            docs = docs.filter(person__current_district_id__in=districts)
        return list(
            docs.order_by("person_id").values_list("person_id", flat=True).distinct()[:need]
        )
    keys = query_keys(query, min_prefix=settings.SEARCH_MIN_PREFIX)
    if not keys.exact:
        return []
    base = NameKey.objects.all()
    if districts is not None:
        base = base.filter(district_id__in=districts)
    ranked = list(
        base.filter(key__in=keys.exact)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()[:need]
    )
    if len(ranked) >= need or not keys.prefix:
        return ranked
    seen = set(ranked)
    prefix = (
        base.filter(key__gt=keys.prefix, key__lt=keys.prefix + _TOP)
        .exclude(key__in=keys.exact)
        .order_by("key", "district_id", "person_id")
        .values_list("person_id", flat=True)
    )
    offset, step = 0, max(need, 50)
    while len(ranked) < need:
        chunk = list(prefix[offset : offset + step])
        for pid in chunk:
            if pid not in seen:
                seen.add(pid)
                ranked.append(pid)
        if len(chunk) < step:
            break
        offset += step
    return ranked[:need]


def person_search(*, user: Any, query: str, page: int = 1) -> SearchPage:
    """Find persons by document number or by name in any script, ranked and paginated.

    The audit row records who searched and which records were shown, not what was typed.
    """
    if not can_search(user):
        raise PermissionDenied
    size = settings.SEARCH_PAGE_SIZE
    page = max(1, page)
    query = query.strip()[:100]
    if not query:
        return SearchPage([], page, False, size)
    ids = _ranked_ids(query, visible_district_ids(user), page * size + 1)
    page_ids = ids[(page - 1) * size : page * size]
    by_id = {
        p.pk: p
        for p in Person.objects.filter(pk__in=page_ids)
        .select_related("current_district")
        .prefetch_related(Prefetch("documents", queryset=IdentityDocument.objects.order_by("id")))
    }
    persons = [by_id[i] for i in page_ids if i in by_id]
    with transaction.atomic():
        audit_record(
            actor=user,
            action="search",
            object_type="person",
            why="search",
            details={"page": page, "shown": [str(p.uid) for p in persons]},
        )
    return SearchPage(persons, page, len(ids) > page * size, size)


def person_get(*, user: Any, uid: Any, why: str) -> Person:
    """One person's whole record, if `user` may see it (else 404); the read is audited."""
    try:
        person = (
            persons_visible_to(user)
            .select_related("current_district")
            .prefetch_related(
                "documents",
                "residences__district",
                "residences__community",
                "employments__employer",
                "educations",
                "insurance_periods",
                Prefetch(
                    "family_links",
                    queryset=FamilyLink.objects.select_related("relative"),
                ),
            )
            .get(uid=uid)
        )
    except (Person.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    with transaction.atomic():
        person_event(actor=user, person=person, action="read", why=why)
    return person
