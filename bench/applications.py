"""Applications benchmark: the officer's queue and the submit-to-decision API path under load.

    .venv/bin/python bench/applications.py [--applications 100000] [--clients 50]
        [--seconds 45] [--workers auto|N] [--fresh]

On a fresh SQLite database under bench/work/ (bench/work/applications*):

1. migrate, load the reference geography and agencies, a synthetic city of 50,000 persons,
   one account per employer, 25,000 resident accounts, two officers (with API tokens) per
   reviewing agency and district;
2. seed the applications in a realistic mix of types and states, with their reviews, due
   dates, transitions, documents, questions, notifications, permits and the hash-chained
   audit rows, through `bulk_insert` in batches. The rows are built by a replay of the
   workflow's services; a self-check at start makes a few applications through the services
   themselves (rolled back afterwards) and compares them with the replay field by field.
   The seeded database is kept as a snapshot, so a re-run skips seeding (`--fresh` redoes it);
3. serve it with gunicorn (`onewindow serve`, or gunicorn's gthread workers with the same
   arguments), on 127.0.0.1 only; with `--workers auto` a short queue-read run picks the
   worker configuration;
4. load it with N concurrent keep-alive clients (closed loop, no think time unless
   `--think-ms`), each phase bounded in time:
   a. queue reads: officers GET /api/applications/reviews/queue (bearer tokens), and
      /staff/queue/ (HTML) on sessions signed in through the login page with TOTP codes;
   b. decisions: half the clients submit a fresh complete draft as its employer, then claim
      and approve its new review as an officer; the other half take a pending review from
      their own queue and claim and approve it (a 409 conflict, two officers on one review,
      is expected and counted apart; any other non-2xx is an error); then the same writers
      without the queue reads (reviews picked beforehand), to tell CPU starvation by the
      reads from writers queueing for SQLite's one write lock;
5. baselines in the same run: the queue endpoint's function called in-process (no HTTP),
   the whole Django stack in-process (test client), the decision services in-process, a
   static file and GET /api/accounts/me over HTTP under the same clients, and the decision
   path with a single client, so what HTTP, queueing and lock contention add is visible.

Targets: queue p95 ≤ 100 ms, decision p95 ≤ 150 ms, zero errors. Prints a table and writes
bench/results/applications.json. Ctrl-C stops it cleanly (the server is stopped too).
"""

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import datetime
import functools
import hashlib
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
DB = WORK / "applications.sqlite3"
SNAPSHOT = WORK / "applications-seeded.sqlite3"
SNAPSHOT_META = WORK / "applications-seeded.json"
VAR = WORK / "applications-var"
VENV_BIN = Path(sys.executable).parent

PERSONS = 50_000
RESIDENT_ACCOUNTS = 25_000
OFFICERS_PER_DESK = 2  # officers per (agency, district)
SUBMIT_POOL = 4_000  # complete employer_demand drafts kept for the submit clients
BATCH = 5_000  # applications per bulk batch
PASSWORD = "bench-only password 2025!"  # noqa: S105 (a throw-away bench database)
QUEUE_P95_TARGET_MS = 100.0
DECISION_P95_TARGET_MS = 150.0
HTML_SESSIONS = 8  # sign-ins through the login page (its rate limit is 10 a minute)

# Types and their share of applications (employee-subject types reuse the registry's
# foreigners as employees; the city has ~1% foreigners).
TYPE_MIX = {
    "residence_permit": 0.30,
    "residence_permit_endorsement": 0.12,
    "work_residence_permit": 0.10,
    "employer_demand": 0.10,
    "school_entrance_support": 0.12,
    "assisted_voluntary_return": 0.08,
    "talent_confirmation": 0.05,
    "family_reunification": 0.08,
    "permanent_residence": 0.05,
}
# Where each application stands; "approved" ends "issued" for types with a permit; "partial"
# (one review approved, another still open) needs a type with several reviews.
OUTCOME_MIX = {
    "draft": 0.04,
    "pending": 0.17,
    "claimed": 0.10,
    "info_requested": 0.04,
    "partial": 0.05,
    "approved": 0.45,
    "rejected": 0.10,
    "withdrawn": 0.05,
}
REJECT_REASON = "材料不齐全，请补充后重新申请。"
QUESTION = "请补充上传最近六个月的社保缴费证明。"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40


# --- Django -----------------------------------------------------------------------------------


def setup_django() -> None:
    """Point Django at the bench's database and var directory before it reads its settings."""
    WORK.mkdir(parents=True, exist_ok=True)
    VAR.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ["ONEWINDOW_VAR_DIR"] = str(VAR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "onewindow.config.settings.base"
    os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def checkpoint() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


# --- the city, its accounts and officers ------------------------------------------------------


def prepare(seed: int, persons_count: int) -> dict[str, Any]:
    """Migrate; reference data; the city; accounts. Returns the bench's users and tokens."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from onewindow.accounts.models import Agency, Role, User
    from onewindow.accounts.services import agencies_load, api_token_create, user_create
    from onewindow.applications.definitions import application_types
    from onewindow.geo.models import District
    from onewindow.geo.services import geo_load_reference_data
    from onewindow.registry.generate import generate_city
    from onewindow.registry.models import Employer, Person

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    geo_load_reference_data()
    agencies_load()
    generate_city(persons=persons_count, seed=seed, progress=True)

    districts = sorted(
        set(
            Person.objects.exclude(current_district=None).values_list("current_district", flat=True)
        )
        | set(Employer.objects.exclude(district=None).values_list("district", flat=True))
    )
    reviewing = sorted({r.agency for t in application_types().values() for r in t.reviews})
    agencies = {a.code: a for a in Agency.objects.filter(code__in=reviewing)}
    codes = dict(District.objects.filter(pk__in=districts).values_list("pk", "code"))
    from tqdm import tqdm

    officers: list[dict[str, Any]] = []
    desks = [(a, d) for a in reviewing for d in districts]
    for agency, district in tqdm(desks, desc="officers", unit="desks"):
        for n in range(1, OFFICERS_PER_DESK + 1):
            username = f"bench.{agency}.{codes[district]}.{n}"
            user = user_create(
                actor=None,
                username=username,
                password=PASSWORD,
                role=Role.OFFICER,
                agency=agencies[agency],
                districts=[District.objects.get(pk=district)],
            )
            token = api_token_create(actor=None, user=user, name="bench")
            officers.append(
                {"pk": user.pk, "username": username, "agency": agency, "district": district}
                | {"token": token}
            )

    # Applicants: bulk accounts (one password hash for all; `user_create` would hash 26,000
    # passwords with Argon2). Employers: one account each; residents: a sample of persons.
    password = make_password(PASSWORD)
    rng = random.Random(seed)
    employers = list(Employer.objects.exclude(district=None).values_list("pk", flat=True))
    persons = list(Person.objects.exclude(current_district=None).values_list("pk", flat=True))
    residents = rng.sample(persons, min(RESIDENT_ACCOUNTS, len(persons)))
    with transaction.atomic():
        User.objects.bulk_create(
            [
                User(
                    username=f"employer.{pk}", password=password, role=Role.EMPLOYER, employer_id=pk
                )
                for pk in employers
            ]
            + [
                User(username=f"resident.{pk}", password=password, role=Role.RESIDENT, person_id=pk)
                for pk in residents
            ],
            batch_size=2000,
        )
    return {"officers": officers}


# --- the replay of the workflow's services ----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Actor:
    pk: int
    username: str
    language: str = ""


@dataclasses.dataclass
class Case:
    """One application being replayed: its row, its reviews' rows, and who filed it."""

    app: dict[str, Any]
    spec: Any
    applicant: Actor
    reviews: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    employee: int | None = None  # the registry person an employer's application is about
    entry: tuple[Actor, int, int] | None = None  # the applicant as drawn (account, whom, where)


def field_defaults(model: Any) -> dict[str, Any]:
    row = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        row[f.attname] = None if f.null and not f.has_default() else f.get_default()
    return row


@functools.cache
def working_days_after(day: datetime.date, days: int) -> datetime.date:
    from onewindow.applications.calendar import add_working_days

    return add_working_days(day, days)


class Replay:
    """Builds the rows the services would write, in the order they would write them.

    Each method mirrors one service of `onewindow.applications.services` (and the helpers it
    calls: `transition`, `notify`, `audit_record`, `permit_issue`); `at` stands for
    `timezone.now()` during that call. Rows are dicts keyed by attname; audit events are kept
    apart and chained (seq, prev_hash, hash) when written.
    """

    def __init__(
        self,
        next_ids: dict[Any, int],
        officers: dict[tuple[int, int], list[Actor]],
        agencies: dict[str, int],
        masked: dict[int, str],
        permit_last: dict[str, int],
    ):
        from onewindow.accounts.models import Agency
        from onewindow.applications.models import (
            Application,
            Document,
            InfoRequest,
            Notification,
            Review,
            Transition,
        )
        from onewindow.permits.models import Permit
        from onewindow.policies.models import Assessment

        self.models = {
            "application": Application,
            "assessment": Assessment,
            "review": Review,
            "transition": Transition,
            "document": Document,
            "info_request": InfoRequest,
            "notification": Notification,
            "permit": Permit,
        }
        self.registry: dict[int, dict[str, Any]] | None = None  # person → registry facts
        self.defaults = {name: field_defaults(m) for name, m in self.models.items()}
        self.next_ids = next_ids
        self.officers = officers  # (agency pk, district pk) → officers, by pk
        self.agencies = agencies  # code → pk
        self.agency_codes = {pk: code for code, pk in agencies.items()}
        self.agency_objects = {a.pk: a for a in Agency.objects.all()}
        self.masked = masked  # person pk → holder_masked_name
        self.permit_last = dict(permit_last)  # PermitSequence key → last
        self.rows: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        self.audit: list[dict[str, Any]] = []
        # each holder's latest permit of a type (what permit_renew would pick), the permits
        # already written that a renewal changed, and the residents holding a residence permit
        self.permits: dict[tuple[int, str], dict[str, Any]] = {}
        self.permit_updates: dict[int, dict[str, Any]] = {}
        self.holders: list[tuple[Actor, int, int]] = []

    def new(self, name: str, when: datetime.datetime, /, **fields: Any) -> dict[str, Any]:
        from onewindow.core.ids import uuid7

        row = dict(self.defaults[name])
        row["id"] = self.next_ids[name]
        self.next_ids[name] += 1
        if "uid" in row:
            row["uid"] = uuid7(int(when.timestamp() * 1000))
            row["created_at"] = row["updated_at"] = when
        row.update(fields)
        self.rows[name].append(row)
        return row

    # helpers of events.py and audit ------------------------------------------------------

    def audit_record(self, actor: Actor | None, at: datetime.datetime, **fields: Any) -> None:
        self.audit.append(
            {
                "at": at,
                "actor_id": actor.pk if actor else None,
                "actor": (actor.username if actor else "") or "system",
                **fields,
            }
        )

    def transition(
        self,
        case: Case,
        actor: Actor,
        at: datetime.datetime,
        to_status: str,
        from_status: str = "",
        review: dict | None = None,
        reason: str = "",
    ) -> None:
        self.new(
            "transition",
            at,
            application_id=case.app["id"],
            review_id=review["id"] if review else None,
            actor_id=actor.pk,
            at=at,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
        )
        agency = self.agency_codes[review["agency_id"]] if review else None
        self.audit_record(
            actor,
            at,
            action=f"application_{to_status}" if review is None else f"review_{to_status}",
            object_type="application",
            object_id=str(case.app["uid"]),
            why="case_work",
            details={"review": agency, "from": from_status},
        )

    def notify(
        self, user: Actor, case: Case, at: datetime.datetime, kind: str, message: str, **params: Any
    ) -> None:
        self.new(
            "notification",
            at,
            user_id=user.pk,
            application_id=case.app["id"],
            kind=kind,
            text=notification_text(
                user.language,
                message,
                case.app["type_code"],
                {"reference": case.app["reference"], **{k: str(v) for k, v in params.items()}},
            ),
            dedupe_key="",
            created_at=at,
        )

    def bump(self, case: Case, **fields: Any) -> None:
        case.app.update(fields)
        case.app["version"] += 1

    def set_status(
        self, case: Case, actor: Actor, at: datetime.datetime, status: str, reason: str = ""
    ) -> None:
        before = case.app["status"]
        extra: dict[str, Any] = {"status": status}
        if status in ("approved", "rejected", "withdrawn"):
            extra["decided_at"] = at
        self.bump(case, **extra)
        self.transition(case, actor, at, status, before, reason=reason)

    def save_review(self, review: dict[str, Any], **fields: Any) -> None:
        review.update(fields)
        review["version"] += 1

    # the services ----------------------------------------------------------------------------

    def start(self, case: Case, at: datetime.datetime, reference: str) -> None:
        case.app = self.new(
            "application",
            at,
            reference=reference,
            type_code=case.spec.code,
            type_version=case.spec.version,
            priority=case.spec.priority,
            **case.app,
        )
        self.transition(case, case.applicant, at, "draft")

    def save(self, case: Case, at: datetime.datetime, data: dict[str, Any]) -> None:
        self.bump(case, data=data)

    def upload(self, case: Case, at: datetime.datetime) -> None:
        from django.utils import timezone

        for spec in case.spec.documents:
            if not spec.required:
                continue
            pdf = "application/pdf" in spec.content_types
            content = PDF if pdf else PNG
            row = self.new(
                "document",
                at,
                application_id=case.app["id"],
                code=spec.code,
                content_type="application/pdf" if pdf else "image/png",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_by_id=case.applicant.pk,
            )
            local = timezone.localtime(at)
            row["file"] = f"documents/{local:%Y/%m}/{row['uid']}.{'pdf' if pdf else 'png'}"
            self.audit_record(
                case.applicant,
                at,
                action="document_upload",
                object_type="application",
                object_id=str(case.app["uid"]),
                why="case_work",
                details={"code": spec.code},
            )

    def registry_of(self, person: int) -> dict[str, Any]:
        """The registry facts of a person, from one facts table built from the seeded registry
        (the same derivation as `registry_facts.for_person`, which the services use)."""
        if self.registry is None:
            from onewindow.policies.facts_table import build

            path = WORK / "applications-facts.parquet"
            build(out=path)
            import polars as pl

            frame = pl.read_parquet(path)
            self.registry = {row["person_id"]: row for row in frame.iter_rows(named=True)}
        return self.registry.get(person, {})

    def assess(self, case: Case, at: datetime.datetime) -> None:
        """What `policies.services.assess` writes when a type names a policy."""
        from django.utils import timezone

        from onewindow.applications.eligibility import policy_answers
        from onewindow.policies.services import assessment_audit, assessment_row, verdict_for

        today = timezone.localdate(at)
        person = case.app["person_id"]
        chosen, verdict = verdict_for(
            case.spec.eligibility.policy,
            self.registry_of(person) if person else {},
            policy_answers(case.spec, case.app["data"], today),
            today,
        )
        self.new("assessment", at, application_id=case.app["id"], **assessment_row(chosen, verdict))
        self.audit_record(
            case.applicant,
            at,
            action="assess",
            object_type="application",
            object_id=str(case.app["uid"]),
            why="case_work",
            details=assessment_audit(chosen, verdict),
        )

    def submit(self, case: Case, at: datetime.datetime) -> None:
        from django.utils import timezone

        from onewindow.applications.events import NEW_REVIEW, STATUS_MESSAGES

        actor = case.applicant
        if case.spec.eligibility.policy:
            self.assess(case, at)
        self.bump(case, data=case.app["data"], submitted_at=at)
        self.set_status(case, actor, at, "submitted")
        today = timezone.localdate(at)
        for spec in case.spec.reviews:
            review = self.new(
                "review",
                at,
                application_id=case.app["id"],
                agency_id=self.agencies[spec.agency],
                district_id=case.app["district_id"],
                priority=case.app["priority"],
                status="pending",
                deadline_working_days=spec.deadline_working_days,
                due_date=working_days_after(today, spec.deadline_working_days),
            )
            case.reviews.append(review)
            self.transition(case, actor, at, "pending", review=review)
            for officer in self.officers.get((review["agency_id"], case.app["district_id"]), []):
                self.notify(
                    officer, case, at, "new_review", NEW_REVIEW, due=review["due_date"].isoformat()
                )
        self.set_status(case, actor, at, "in_review")
        self.notify(actor, case, at, "status", STATUS_MESSAGES["in_review"])

    def claim(self, case: Case, review: dict, officer: Actor, at: datetime.datetime) -> None:
        self.save_review(review, status="claimed", officer_id=officer.pk)
        self.transition(case, officer, at, "claimed", "pending", review=review)

    def approve(self, case: Case, review: dict, officer: Actor, at: datetime.datetime) -> None:
        from onewindow.applications.events import STATUS_MESSAGES

        self.save_review(review, status="approved", decided_at=at)
        self.transition(case, officer, at, "approved", "claimed", review=review)
        if all(r["status"] == "approved" for r in case.reviews):
            self.set_status(case, officer, at, "approved")
            self.notify(self.applicant_of(case), case, at, "status", STATUS_MESSAGES["approved"])
            self.issue_permit(case, officer, at)

    def applicant_of(self, case: Case) -> Actor:
        return case.applicant

    def issue_permit(self, case: Case, officer: Actor, at: datetime.datetime) -> None:
        from django.utils import timezone
        from stdnum.iso7064 import mod_97_10

        from onewindow.applications.events import STATUS_MESSAGES
        from onewindow.permits.services import CITY_PREFIX, add_months, type_prefix

        spec = case.spec.permit
        if spec is None:
            return
        if case.app["person_id"] is None:  # subject_person: the employee, found by passport
            case.app["person_id"] = case.employee
        holder = case.app["person_id"]
        today = timezone.localdate(at)
        if spec.renews:  # permit_renew of the holder's current permit of that type
            current = self.permits.get((holder, spec.renews))
            if current is None:
                raise RuntimeError(f"nothing to renew for person {holder}")
            old_to = current["valid_to"]
            start = max(old_to, today - datetime.timedelta(days=1))
            current.update(valid_to=add_months(start, spec.validity_months), updated_at=at)
            current["version"] += 1
            if current.get("_written"):
                self.permit_updates[current["id"]] = current
            self.audit_record(
                officer,
                at,
                action="renew",
                object_type="permit",
                object_id=str(current["uid"]),
                why="renewal",
                details={
                    "type": current["permit_type"],
                    "months": spec.validity_months,
                    "old_valid_to": old_to.isoformat(),
                    "valid_to": current["valid_to"].isoformat(),
                },
            )
            self.set_status(case, officer, at, "issued")
            self.notify(case.applicant, case, at, "status", STATUS_MESSAGES["issued"])
            return
        texts = spec.title.texts()
        key = f"{type_prefix(spec.type)}{today.year}"
        self.permit_last[key] = self.permit_last.get(key, 0) + 1
        body = f"{CITY_PREFIX}{key}{self.permit_last[key]:08d}"
        permit = self.new(
            "permit",
            at,
            number=body + mod_97_10.calc_check_digits(body),
            permit_type=spec.type,
            title_zh=texts.get("zh-hans") or texts.get("zh") or texts.get("en", spec.type),
            title_en=texts.get("en") or spec.type,
            holder_id=holder,
            holder_masked=self.masked[holder],
            application_id=case.app["id"],
            issued_on=today,
            valid_from=today,
            valid_to=add_months(today, spec.validity_months) - datetime.timedelta(days=1),
        )
        latest = self.permits.get((holder, spec.type))
        if latest is None or latest["valid_to"] <= permit["valid_to"]:
            self.permits[(holder, spec.type)] = permit
        if case.entry is not None and spec.type == "residence_permit":
            self.holders.append(case.entry)
        self.audit_record(
            officer,
            at,
            action="issue",
            object_type="permit",
            object_id=str(permit["uid"]),
            why="application_approved",
            details={
                "type": spec.type,
                "application": str(case.app["uid"]),
                "valid_from": permit["valid_from"].isoformat(),
                "valid_to": permit["valid_to"].isoformat(),
            },
        )
        self.set_status(case, officer, at, "issued")
        self.notify(case.applicant, case, at, "status", STATUS_MESSAGES["issued"])

    def reject(
        self, case: Case, review: dict, officer: Actor, at: datetime.datetime, reason: str
    ) -> None:
        from onewindow.applications.events import STATUS_MESSAGES

        self.save_review(review, status="rejected", decided_at=at, reason=reason)
        self.transition(case, officer, at, "rejected", "claimed", review=review, reason=reason)
        for other in case.reviews:
            if other["status"] in ("pending", "claimed", "info_requested"):
                other["status"] = "closed"
                other["version"] += 1
        self.set_status(case, officer, at, "rejected", reason)
        self.notify(case.applicant, case, at, "status", STATUS_MESSAGES["rejected"], reason=reason)

    def request_info(
        self, case: Case, review: dict, officer: Actor, at: datetime.datetime, question: str
    ) -> None:
        from onewindow.applications.events import STATUS_MESSAGES

        self.new("info_request", at, review_id=review["id"], question=question, asked_at=at)
        self.save_review(review, status="info_requested", paused_at=at)
        self.transition(
            case, officer, at, "info_requested", "claimed", review=review, reason=question
        )
        if case.app["status"] != "info_requested":
            self.set_status(case, officer, at, "info_requested")
        self.notify(
            case.applicant, case, at, "status", STATUS_MESSAGES["info_requested"], question=question
        )

    def withdraw(self, case: Case, at: datetime.datetime) -> None:
        from onewindow.applications.events import STATUS_MESSAGES

        for review in case.reviews:
            if review["status"] in ("pending", "claimed", "info_requested"):
                review["status"] = "closed"
                review["version"] += 1
        self.set_status(case, case.applicant, at, "withdrawn")
        self.notify(case.applicant, case, at, "status", STATUS_MESSAGES["withdrawn"])


@functools.cache
def _message(language: str, message: str, type_code: str) -> tuple[str, str]:
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext

    from onewindow.applications.definitions import application_type

    with translation.override(language or settings.LANGUAGE_CODE):
        return gettext(message), str(application_type(type_code).title)


def notification_text(language: str, message: str, type_code: str, values: dict) -> str:
    """What `notify` writes: the message in the recipient's language, with its values."""
    template, title = _message(language, message, type_code)
    return template % {"type": title, **values}


# --- what applicants answer --------------------------------------------------------------------


def ascii_name(text: str, fallback: str) -> str:
    from anyascii import anyascii

    name = re.sub(r"[^A-Za-z' -]", "", anyascii(text)).strip()
    return name if name and name[0].isalpha() else fallback


def answers_for(
    spec: Any,
    rng: random.Random,
    today: datetime.date,
    district_code: str,
    employee: dict[str, Any] | None,
) -> dict[str, Any]:
    """Complete, valid answers of a type, cleaned as `application_save` stores them."""
    from onewindow.applications.answers import clean_answers

    raw: dict[str, Any] = {}
    for field in spec.fields:
        name = field.name
        if employee and name in employee:
            raw[name] = employee[name]
        elif field.type == "choice":
            values = [c.value for c in field.choices]
            if name == "basis":
                raw[name] = rng.choice(["employment", "housing", "study"])
            else:
                raw[name] = district_code if district_code in values else rng.choice(values)
        elif field.type == "boolean":
            raw[name] = True
        elif field.type == "country":
            raw[name] = rng.choice(["NG", "US", "KR", "RU", "DE", "TH"])
        elif name == "years_of_experience":
            raw[name] = rng.randint(5, 20)
        elif name == "months_in_china_per_year":
            raw[name] = rng.randint(9, 12)
        elif field.type == "integer":
            low = int(field.min or 0)
            high = low + 9 if field.max is None else min(int(field.max), low + 9)
            raw[name] = rng.randint(low, high)
        elif field.type == "decimal":
            # 35 or more (17+ points): with the ranges below, every work permit reaches B
            raw[name] = f"{rng.randint(35, 80)}.5"
        elif field.type == "date":
            if "birth" in name:
                raw[name] = datetime.date(rng.randint(1975, 2000), rng.randint(1, 12), 15)
            elif "since" in name or "arriv" in name:
                raw[name] = today - datetime.timedelta(days=rng.randint(200, 2000))
            elif "end" in name:
                raw[name] = today + datetime.timedelta(days=760)
            else:
                raw[name] = today + datetime.timedelta(days=rng.randint(20, 60))
        elif field.pattern and "A-Za-z'" in field.pattern:
            raw[name] = rng.choice(["Smith", "Okafor", "Kim", "Ivanova", "Schmidt", "Nguyen"])
        elif field.pattern and "1[3-9]" in field.pattern:
            raw[name] = f"13{rng.randint(100_000_000, 999_999_999)}"
        elif field.pattern:
            raw[name] = f"E{rng.randint(10_000_000, 99_999_999)}"
        else:
            text = "天河区天河路385号，详见附件材料。" if field.type == "text" else "样例答案"
            raw[name] = text[: field.max_length or 200]
    return clean_answers(spec, raw, complete=True)


# --- the seed ---------------------------------------------------------------------------------


@dataclasses.dataclass
class World:
    """Everything the seeding draws from."""

    officers: dict[tuple[int, int], list[Actor]]  # (agency pk, district pk) → officers
    agencies: dict[str, int]
    district_codes: dict[int, str]
    residents: list[tuple[Actor, int, int]]  # (account, person, district)
    foreign_residents: list[tuple[Actor, int, int]]
    employers: list[tuple[Actor, int, int]]  # (account, employer, district)
    employees: list[dict[str, Any]]  # foreigners with a passport, as an employer states them
    masked: dict[int, str]


def load_world() -> World:
    from onewindow.accounts.models import Agency, Role, User
    from onewindow.geo.models import District
    from onewindow.permits.signing import holder_masked_name
    from onewindow.registry.models import DocumentType, IdentityDocument, Person

    officers: dict[tuple[int, int], list[Actor]] = collections.defaultdict(list)
    for user in User.objects.filter(role=Role.OFFICER).prefetch_related("districts").order_by("pk"):
        for district in user.districts.all():
            officers[(user.agency_id, district.pk)].append(
                Actor(user.pk, user.username, user.language)
            )
    persons = {p.pk: p for p in Person.objects.all().iterator(chunk_size=5000)}
    residents, foreign = [], []
    for pk, username, language, person in User.objects.filter(role=Role.RESIDENT).values_list(
        "pk", "username", "language", "person"
    ):
        entry = (Actor(pk, username, language), person, persons[person].current_district_id)
        (foreign if persons[person].nationality != "CN" else residents).append(entry)
    employers = [
        (Actor(pk, username, language), employer, district)
        for pk, username, language, employer, district in User.objects.filter(
            role=Role.EMPLOYER
        ).values_list("pk", "username", "language", "employer", "employer__district")
    ]
    employees = []
    for doc in IdentityDocument.objects.filter(doc_type=DocumentType.PASSPORT).order_by("pk"):
        p = persons[doc.person_id]
        if p.nationality == "CN":
            continue
        employees.append(
            {
                "pk": p.pk,
                "employee_family_name": ascii_name(p.latin_family_name, "Smith"),
                "employee_given_name": ascii_name(p.latin_given_name, "John"),
                "employee_sex": p.sex if p.sex in ("F", "M") else "X",
                "employee_birth_date": p.birth_date,
                "employee_nationality": p.nationality,
                "employee_passport_number": doc.number.upper(),
            }
        )
    return World(
        officers=dict(officers),
        agencies=dict(Agency.objects.values_list("code", "pk")),
        district_codes=dict(District.objects.values_list("pk", "code")),
        residents=residents,
        foreign_residents=foreign,
        employers=employers,
        employees=employees,
        masked={pk: holder_masked_name(p) for pk, p in persons.items()},
    )


def pick(mix: dict[str, float], rng: random.Random) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def plan_case(
    world: World,
    spec: Any,
    rng: random.Random,
    today: datetime.date,
    applicant: tuple[Actor, int, int] | None = None,
) -> Case:
    """Who files an application of `spec`, about whom, and what they answer."""
    employee = None
    if "employer" in spec.filed_by:
        drawn = applicant or rng.choice(world.employers)
        actor, employer, district = drawn
        app = {
            "applicant_id": actor.pk,
            "person_id": None,
            "employer_id": employer,
            "district_id": district,
        }
        if spec.subject == "employee":
            employee = rng.choice(world.employees)
    else:
        pool = (
            world.foreign_residents
            if spec.code in ("permanent_residence", "family_reunification")
            and world.foreign_residents
            else world.residents
        )
        drawn = applicant or rng.choice(pool)
        actor, person, district = drawn
        app = {
            "applicant_id": actor.pk,
            "person_id": person,
            "employer_id": None,
            "district_id": district,
        }
    app["data"] = answers_for(spec, rng, today, world.district_codes.get(district, ""), employee)
    case = Case(app=app, spec=spec, applicant=actor, entry=drawn)
    case.employee = employee["pk"] if employee else None
    return case


def play(
    replay: Replay,
    world: World,
    case: Case,
    outcome: str,
    times: list[datetime.datetime],
    reference: str,
    rng: random.Random,
) -> None:
    """Take a planned application through the services' steps to `outcome`."""
    data = case.app.pop("data")
    case.app.update(status="draft", data={}, version=1)
    replay.start(case, times[0], reference)
    replay.save(case, times[1], data)
    replay.upload(case, times[2])
    if outcome == "draft":
        return
    replay.submit(case, times[3])
    if outcome == "pending":
        return
    if outcome == "withdrawn":
        replay.withdraw(case, times[4])
        return

    def officer(review: dict) -> Actor:
        return rng.choice(world.officers[(review["agency_id"], case.app["district_id"])])

    first = case.reviews[0]
    first_officer = officer(first)
    replay.claim(case, first, first_officer, times[4])
    if outcome == "claimed":
        return
    if outcome == "info_requested":
        replay.request_info(case, first, first_officer, times[5], QUESTION)
    elif outcome == "rejected":
        replay.reject(case, first, first_officer, times[5], REJECT_REASON)
    elif outcome == "partial":
        replay.approve(case, first, first_officer, times[5])
    elif outcome == "approved":
        replay.approve(case, first, first_officer, times[5])
        for review in case.reviews[1:]:
            someone = officer(review)
            replay.claim(case, review, someone, times[5])
            replay.approve(case, review, someone, times[6])


def timeline(outcome: str, now: datetime.datetime, rng: random.Random) -> list[datetime.datetime]:
    """When each step happened: open cases were filed in the last weeks, decided ones over
    the past year."""
    hour, day = datetime.timedelta(hours=1), datetime.timedelta(days=1)
    if outcome == "draft":
        start = now - rng.uniform(1, 60) * day
    elif outcome in ("pending", "claimed", "info_requested", "partial"):
        start = now - rng.uniform(0.2, 40) * day
    else:
        start = now - rng.uniform(30, 400) * day
    steps = [start, start + 5 * datetime.timedelta(minutes=1), start + 0.2 * hour]
    steps.append(steps[-1] + rng.uniform(0.01, 2) * day)
    steps.append(steps[-1] + rng.uniform(0.1, 6) * day)
    steps.append(steps[-1] + rng.uniform(0.1, 8) * day)
    steps.append(steps[-1] + rng.uniform(0.1, 8) * day)
    limit = now - datetime.timedelta(minutes=10)
    return [min(t, limit - (6 - i) * datetime.timedelta(seconds=1)) for i, t in enumerate(steps)]


def db_columns(model: Any) -> tuple[list[str], list[Callable[[Any], Any]]]:
    """Column names and value converters (to what Django would send to SQLite)."""
    from django.db import connection, models

    columns, converters = [], []
    for f in model._meta.concrete_fields:
        columns.append(f.column)
        if isinstance(
            f, (models.UUIDField, models.JSONField, models.DateTimeField, models.DateField)
        ):
            converters.append(functools.partial(lambda f, v: f.get_db_prep_save(v, connection), f))
        else:
            converters.append(lambda v: v)
    return columns, converters


def write_rows(replay: Replay) -> dict[str, int]:
    from onewindow.core.bulk import bulk_insert

    written = {}
    for name, rows in replay.rows.items():
        model = replay.models[name]
        columns, converters = db_columns(model)
        names = [f.attname for f in model._meta.concrete_fields]
        bulk_insert(
            model,
            columns,
            [
                tuple(conv(row[n]) for n, conv in zip(names, converters, strict=True))
                for row in rows
            ],
        )
        written[name] = len(rows)
        if name == "permit":
            for row in rows:
                row["_written"] = True
    if replay.permit_updates:
        from django.db import connection

        table = replay.models["permit"]._meta.db_table
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET valid_to = %s, version = %s, updated_at = %s WHERE id = %s",
                [
                    (
                        r["valid_to"].isoformat(),
                        r["version"],
                        connection.ops.adapt_datetimefield_value(r["updated_at"]),
                        r["id"],
                    )
                    for r in replay.permit_updates.values()
                ],
            )
        written["permit_renewed"] = len(replay.permit_updates)
        replay.permit_updates.clear()
    replay.rows.clear()
    return written


def write_audit(events: list[dict[str, Any]], progress: bool = True) -> int:
    """Chain the events as `audit_record` would (seq, prev_hash, hash), oldest first."""
    from django.db import transaction
    from tqdm import tqdm

    from onewindow.audit.models import AuditEvent, AuditHead
    from onewindow.audit.services import _digest
    from onewindow.core.bulk import bulk_insert

    events.sort(key=lambda e: e["at"])
    columns, converters = db_columns(AuditEvent)
    names = [f.attname for f in AuditEvent._meta.concrete_fields]
    head = AuditHead.objects.get(pk=1)
    seq, prev = head.seq, head.hash
    next_id = (AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    with tqdm(
        total=len(events), desc="audit chain", unit="events", unit_scale=True, disable=not progress
    ) as bar:
        for start in range(0, len(events), 50_000):
            rows = []
            for event in events[start : start + 50_000]:
                seq += 1
                fields = {"seq": seq, **event, "prev_hash": prev}
                fields["hash"] = prev = _digest(**fields)
                fields["id"] = next_id
                next_id += 1
                rows.append(
                    tuple(conv(fields[n]) for n, conv in zip(names, converters, strict=True))
                )
            with transaction.atomic():
                bulk_insert(AuditEvent, columns, rows)
                AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev)
            bar.update(len(rows))
    return len(events)


def next_ids(replay_models: dict[str, Any]) -> dict[str, int]:
    return {
        name: (m.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        for name, m in replay_models.items()
    }


def new_replay(world: World) -> Replay:
    from onewindow.applications.models import (
        Application,
        Document,
        InfoRequest,
        Notification,
        Review,
        Transition,
    )
    from onewindow.permits.models import Permit, PermitSequence
    from onewindow.policies.models import Assessment

    models = {
        "application": Application,
        "assessment": Assessment,
        "review": Review,
        "transition": Transition,
        "document": Document,
        "info_request": InfoRequest,
        "notification": Notification,
        "permit": Permit,
    }
    return Replay(
        next_ids(models),
        world.officers,
        world.agencies,
        world.masked,
        dict(PermitSequence.objects.values_list("key", "last")),
    )


def seed(applications: int, seed_value: int, world: World) -> dict[str, Any]:
    """Seed `applications` applications in bulk; returns the counts by type and state."""
    import numpy as np
    from django.db import transaction
    from django.utils import timezone
    from tqdm import tqdm

    from onewindow.applications.definitions import application_type
    from onewindow.permits.models import PermitSequence

    rng = random.Random(seed_value)
    now = timezone.now()
    numbers = np.random.default_rng(seed_value).choice(10**8, size=applications, replace=False)
    replay = new_replay(world)
    counts: collections.Counter[str] = collections.Counter()
    written: collections.Counter[str] = collections.Counter()
    audit: list[dict[str, Any]] = []
    # The submit clients' employers: the first employers, their complete drafts first.
    pool_employers = world.employers[:25]
    pool = min(SUBMIT_POOL, applications // 10)
    with tqdm(total=applications, desc="seed applications", unit="apps", unit_scale=True) as bar:
        for start in range(0, applications, BATCH):
            for i in range(start, min(start + BATCH, applications)):
                if i < pool:
                    spec, outcome = application_type("employer_demand"), "draft"
                    applicant = pool_employers[i % len(pool_employers)]
                    times = [now - datetime.timedelta(days=1, minutes=i)] * 3
                else:
                    spec = application_type(pick(TYPE_MIX, rng))
                    outcome = pick(OUTCOME_MIX, rng)
                    if outcome == "partial" and len(spec.reviews) < 2:
                        outcome = "claimed"
                    applicant = None
                    if spec.permit and spec.permit.renews and outcome != "draft":
                        # submitting needs an issued residence permit of the same person
                        if replay.holders:
                            applicant = rng.choice(replay.holders)
                        else:
                            spec = application_type("residence_permit")
                    times = timeline(outcome, now, rng)
                case = plan_case(world, spec, rng, timezone.localdate(times[0]), applicant)
                reference = f"OW{timezone.localdate(times[0]):%Y}{int(numbers[i]):08d}"
                play(replay, world, case, outcome, times, reference, rng)
                final = case.app["status"]
                counts[f"{spec.code}:{final}"] += 1
                bar.update()
            audit.extend(replay.audit)
            replay.audit = []
            with transaction.atomic():
                written.update(write_rows(replay))
    with transaction.atomic():
        for key, last in replay.permit_last.items():
            PermitSequence.objects.update_or_create(key=key, defaults={"last": last})
    written["audit_event"] = write_audit(audit)
    by_status: collections.Counter[str] = collections.Counter()
    by_type: collections.Counter[str] = collections.Counter()
    for key, n in counts.items():
        code, status = key.split(":")
        by_status[status] += n
        by_type[code] += n
    return {"rows": dict(written), "by_status": dict(by_status), "by_type": dict(by_type)}


# --- the self-check: services versus replay ----------------------------------------------------


class Rollback(Exception):
    pass


def service_case(
    world: World,
    spec: Any,
    applicant: tuple[Actor, int, int],
    outcome: str,
    rng: random.Random,
    today: datetime.date,
) -> tuple[Any, Case]:
    """Make one application through the services; returns it and the matching plan."""
    from onewindow.accounts.models import User
    from onewindow.applications import services as flow
    from onewindow.applications.models import Review
    from onewindow.core.demo_applications import _filed

    case = plan_case(world, spec, rng, today, applicant)
    data = dict(case.app["data"])
    user = User.objects.get(pk=applicant[0].pk)
    application = _filed(user, spec.code, data)
    application.refresh_from_db()
    if outcome == "draft":
        return application, case
    application = flow.application_submit(
        actor=user, application=application, version=application.version
    )
    if outcome == "withdrawn":
        flow.application_withdraw(actor=user, application=application, version=application.version)
        return application, case
    reviews = list(Review.objects.filter(application=application).order_by("id"))
    officers = [world.officers[(r.agency_id, application.district_id)][0] for r in reviews]
    first = User.objects.get(pk=officers[0].pk)
    review = flow.review_claim(actor=first, review=reviews[0], version=reviews[0].version)
    if outcome == "info_requested":
        flow.review_request_info(
            actor=first, review=review, version=review.version, question=QUESTION
        )
    elif outcome == "rejected":
        flow.review_reject(actor=first, review=review, version=review.version, reason=REJECT_REASON)
    elif outcome == "approved":
        flow.review_approve(actor=first, review=review, version=review.version)
        for other, officer in zip(reviews[1:], officers[1:], strict=True):
            someone = User.objects.get(pk=officer.pk)
            other = flow.review_claim(actor=someone, review=other, version=other.version)
            flow.review_approve(actor=someone, review=other, version=other.version)
    return application, case


VOLATILE = {
    "id",
    "uid",
    "created_at",
    "updated_at",
    "reference",
    "submitted_at",
    "decided_at",
    "paused_at",
    "at",
    "asked_at",
    "number",
    "file",
    "application_id",
}


def normal(row: dict[str, Any], uids: dict[str, str]) -> dict[str, Any]:
    """A row without what differs between two runs (ids, uids, times), uids named."""
    out = {}
    for key, value in row.items():
        if key in VOLATILE:
            out[key] = value is not None
        elif isinstance(value, dict):
            out[key] = {k: uids.get(str(v), v) for k, v in value.items()}
        else:
            out[key] = value
    return out


def snapshot_db(application: Any, after_seq: int) -> dict[str, list]:
    """The rows the services wrote for one application, in write order; the audit rows are
    every one written after `after_seq`; `other_permits` are the holder's other permits (a
    renewal changes one)."""
    from onewindow.applications.models import (
        Application,
        Document,
        InfoRequest,
        Notification,
        Review,
        Transition,
    )
    from onewindow.audit.models import AuditEvent
    from onewindow.permits.models import Permit
    from onewindow.policies.models import Assessment

    def rows(qs: Any) -> list[dict[str, Any]]:
        return [
            {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields} for obj in qs
        ]

    app = rows(Application.objects.filter(pk=application.pk))
    permits = rows(Permit.objects.filter(application=application))
    holder = app[0]["person_id"]
    return {
        "other_permits": rows(
            Permit.objects.filter(holder_id=holder).exclude(application=application).order_by("id")
        ),
        "application": app,
        "assessment": rows(Assessment.objects.filter(application=application).order_by("id")),
        "review": rows(Review.objects.filter(application=application).order_by("id")),
        "transition": rows(Transition.objects.filter(application=application).order_by("id")),
        "document": rows(Document.objects.filter(application=application).order_by("id")),
        "info_request": rows(InfoRequest.objects.filter(review__application=application)),
        "notification": sorted(
            rows(Notification.objects.filter(application=application)),
            key=lambda r: (r["user_id"], r["kind"], r["text"]),
        ),
        "permit": permits,
        "audit": [
            {k: v for k, v in r.items() if k not in ("seq", "prev_hash", "hash")}
            for r in rows(AuditEvent.objects.filter(seq__gt=after_seq).order_by("seq"))
        ],
    }


def snapshot_replay(replay: Replay, case: Case) -> dict[str, list]:
    out = {name: list(rows) for name, rows in replay.rows.items()}
    out["other_permits"] = sorted(
        (
            p
            for (holder, _type), p in replay.permits.items()
            if holder == case.app["person_id"] and p["application_id"] != case.app["id"]
        ),
        key=lambda p: p["id"],
    )
    out["notification"] = sorted(
        out.get("notification", []), key=lambda r: (r["user_id"], r["kind"], r["text"])
    )
    out["audit"] = list(replay.audit)
    return out


def compare(
    ours: dict[str, list],
    theirs: dict[str, list],
    label: str,
    earlier: tuple[dict[str, str], dict[str, str]] = ({}, {}),
) -> list[str]:
    """Field-by-field differences between the replay's rows and the services' rows (uids of
    earlier scenarios' rows named in `earlier`, ours and theirs)."""
    uids_a = {str(r["uid"]): f"<{n}>" for n in ("application", "permit") for r in ours.get(n, [])}
    uids_b = {str(r["uid"]): f"<{n}>" for n in ("application", "permit") for r in theirs.get(n, [])}
    uids_a, uids_b = {**earlier[0], **uids_a}, {**earlier[1], **uids_b}
    problems = []
    for table in (
        "application",
        "assessment",
        "review",
        "transition",
        "document",
        "info_request",
        "notification",
        "permit",
        "other_permits",
        "audit",
    ):
        a = [normal(r, uids_a) for r in ours.get(table, [])]
        b = [normal(r, uids_b) for r in theirs.get(table, [])]
        if table == "audit":
            for rows, uids in ((a, uids_a), (b, uids_b)):
                for r in rows:
                    r["object_id"] = uids.get(r["object_id"], r["object_id"])
                    r.pop("id", None)
        if len(a) != len(b):
            problems.append(f"{label}: {table}: {len(a)} rows replayed, {len(b)} by the services")
            continue
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            for key in sorted(set(x) | set(y)):
                if key == "review_id":  # ids differ between the two runs
                    continue
                if x.get(key) != y.get(key):
                    problems.append(
                        f"{label}: {table}[{i}].{key}: "
                        f"replay {x.get(key)!r} ≠ services {y.get(key)!r}"
                    )
    for doc in ours.get("document", []):
        if not re.fullmatch(
            rf"documents/\d{{4}}/\d{{2}}/{doc['uid']}\.(pdf|png)", str(doc["file"])
        ):
            problems.append(f"{label}: document file name {doc['file']!r}")
    for doc in theirs.get("document", []):
        if not re.fullmatch(
            rf"documents/\d{{4}}/\d{{2}}/{doc['uid']}\.(pdf|png)", str(doc["file"])
        ):
            problems.append(f"{label}: the services' document file name is {doc['file']!r}")
    return problems


def self_check(world: World, seed_value: int) -> dict[str, Any]:
    """Make a few applications through the services and the same through the replay; compare
    every row they write. Everything is rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from onewindow.applications.definitions import application_type
    from onewindow.audit.models import AuditHead
    from onewindow.registry.models import ResidenceRegistration

    today = timezone.localdate()
    since = today - datetime.timedelta(days=200)
    eligible = set(
        ResidenceRegistration.objects.filter(
            valid_to__isnull=True, valid_from__lte=since
        ).values_list("person", flat=True)
    )
    resident = next(r for r in world.residents if r[1] in eligible)
    foreigner = next(iter(world.foreign_residents), resident)
    employer = world.employers[-1]
    scenarios = [
        ("employer_demand", employer, "approved"),
        ("employer_demand", employer, "rejected"),
        ("employer_demand", employer, "draft"),
        ("work_residence_permit", employer, "approved"),
        ("work_residence_permit", employer, "info_requested"),
        ("residence_permit", resident, "approved"),
        ("residence_permit_endorsement", resident, "approved"),
        ("assisted_voluntary_return", resident, "withdrawn"),
        ("family_reunification", foreigner, "approved"),
    ]
    problems: list[str] = []
    carried: dict[tuple[int, str], dict[str, Any]] = {}
    earlier: tuple[dict[str, str], dict[str, str]] = ({}, {})
    try:
        with transaction.atomic():
            for n, (code, applicant, outcome) in enumerate(scenarios):
                spec = application_type(code)
                head = AuditHead.objects.get(pk=1).seq
                application, _case = service_case(
                    world, spec, applicant, outcome, random.Random(seed_value + n), today
                )
                theirs = snapshot_db(application, head)
                replay = new_replay(world)
                replay.permits = carried
                # the replay starts after the services' rows: ids differ, nothing else should
                plan = plan_case(world, spec, random.Random(seed_value + n), today, applicant)
                now = timezone.now()
                play(replay, world, plan, outcome, [now] * 7, application.reference, FirstOfficer())
                ours = snapshot_replay(replay, plan)
                problems += compare(ours, theirs, f"{code}/{outcome}", earlier)
                for side, rows in ((0, ours), (1, theirs)):
                    for row in rows.get("permit", []):
                        earlier[side][str(row["uid"])] = f"<permit of {code}/{outcome}>"
                    for row in rows.get("application", []):
                        earlier[side][str(row["uid"])] = f"<application {code}/{outcome}>"
                carried = replay.permits
            raise Rollback
    except Rollback:
        pass
    return {"scenarios": [f"{c}/{o}" for c, _a, o in scenarios], "problems": problems}


class FirstOfficer(random.Random):
    """The self-check's officers: the first of each desk, as `service_case` takes."""

    def choice(self, seq: Any) -> Any:
        return seq[0]


# --- users for the load -------------------------------------------------------------------------


def load_users(officers: list[dict[str, Any]], clients: int) -> dict[str, Any]:
    """Who the clients are: officers of the busiest desks, employers with drafts to submit."""
    from django.db.models import Count

    from onewindow.accounts.models import Role, User
    from onewindow.accounts.services import api_token_create
    from onewindow.applications.models import REVIEW_OPEN, Application, Review

    open_by_desk = collections.Counter(
        {
            (row["agency__code"], row["application__district"]): row["n"]
            for row in Review.objects.filter(status__in=REVIEW_OPEN)
            .values("agency__code", "application__district")
            .annotate(n=Count("id"))
        }
    )
    pending_by_desk = collections.Counter(
        {
            (row["agency__code"], row["application__district"]): row["n"]
            for row in Review.objects.filter(status="pending")
            .values("agency__code", "application__district")
            .annotate(n=Count("id"))
        }
    )
    by_desk = collections.defaultdict(list)
    for officer in officers:
        by_desk[(officer["agency"], officer["district"])].append(officer)
    readers = [o for desk, _n in open_by_desk.most_common() for o in by_desk[desk]][:clients]
    deciders = [by_desk[desk][0] for desk, _n in pending_by_desk.most_common()][: clients // 2]
    # the submitting employers and the hrss officer of each one's district
    drafts = collections.defaultdict(list)
    for ref, version, applicant, district in Application.objects.filter(
        status="draft", type_code="employer_demand"
    ).values_list("reference", "version", "applicant", "district"):
        drafts[(applicant, district)].append((ref, version))
    submitters = []
    pairs = sorted(drafts.items(), key=lambda kv: -len(kv[1]))[: clients - len(deciders)]
    for (applicant, district), refs in pairs:
        user = User.objects.get(pk=applicant)
        hrss = by_desk[("hrss", district)][-1]
        submitters.append(
            {
                "employer": user.username,
                "token": api_token_create(actor=None, user=user, name="bench"),
                "officer": hrss,
                "drafts": refs,
            }
        )
    assert all(
        u.role == Role.EMPLOYER
        for u in User.objects.filter(username__in=[s["employer"] for s in submitters])
    )
    return {
        "readers": readers,
        "deciders": deciders,
        "submitters": submitters,
        "open_by_desk": {f"{a}/{d}": n for (a, d), n in open_by_desk.most_common(5)},
    }


# --- the HTTP client ----------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1 (reopened when the server closes it,
    as gunicorn's sync workers do after every response)."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        for attempt in (0, 1):
            fresh = self.writer is None
            if fresh:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            head = [
                f"{method} {path} HTTP/1.1",
                f"Host: 127.0.0.1:{self.port}",
                f"Content-Length: {len(body)}",
            ]
            head += [f"{k}: {v}" for k, v in (headers or {}).items()]
            try:
                self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
                raw = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if fresh or attempt:
                    raise
                continue  # a kept-alive connection the server had closed: once more
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            response: dict[str, str] = {}
            cookies = []
            for line in lines[1:]:
                if ":" in line:
                    key, value = line.split(":", 1)
                    response[key.strip().lower()] = value.strip()
                    if key.strip().lower() == "set-cookie":
                        cookies.append(value.strip())
            response["set-cookie"] = "\n".join(cookies)
            if response.get("transfer-encoding", "").lower() == "chunked":
                content = b""
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                    content += await self.reader.readexactly(size + 2)
                    if size == 0:
                        break
                    content = content[:-2]
            else:
                content = await self.reader.readexactly(int(response.get("content-length", 0)))
            if response.get("connection", "").lower() == "close":
                self.close()
            return status, response, content
        raise ConnectionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclasses.dataclass
class Sample:
    kind: str
    seconds: float
    status: int
    started: float


class Phase:
    """Closed-loop clients for a bounded time; every request's latency and status."""

    def __init__(self, name: str, port: int, seconds: float, think: float = 0.0):
        self.name, self.port, self.seconds, self.think = name, port, seconds, think
        self.samples: list[Sample] = []
        self.errors: list[str] = []
        self.deadline = 0.0
        self.bar: Any = None

    async def call(
        self,
        conn: Connection,
        kind: str,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        payload: Any = None,
    ) -> tuple[int, Any]:
        body = b""
        headers = dict(headers or {})
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if method == "POST" and "Authorization" in headers:
            headers.update(CSRF_HEADERS)
        start = time.perf_counter()
        try:
            status, _h, content = await asyncio.wait_for(
                conn.request(method, path, headers, body), 30
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            conn.close()
            self.samples.append(Sample(kind, time.perf_counter() - start, 0, start))
            self.errors.append(f"{kind} {path}: {type(exc).__name__} {exc}")
            return 0, None
        self.samples.append(Sample(kind, time.perf_counter() - start, status, start))
        if self.bar is not None:
            self.bar.update()
        if status >= 300 and status != 409 and len(self.errors) < 50:
            self.errors.append(f"{kind} {method} {path}: {status} {content[:200]!r}")
        if self.think:
            await asyncio.sleep(random.expovariate(1 / self.think))
        if content and "json" in _h.get("content-type", ""):
            return status, json.loads(content)
        return status, content

    def running(self) -> bool:
        return time.perf_counter() < self.deadline

    async def _run(self, clients: list[Callable[["Phase", Connection], Any]]) -> None:
        self.deadline = time.perf_counter() + self.seconds
        conns = [Connection(self.port) for _ in clients]
        try:
            await asyncio.gather(
                *(client(self, conn) for client, conn in zip(clients, conns, strict=True))
            )
        finally:
            for conn in conns:
                conn.close()

    def run(self, clients: list[Callable[["Phase", Connection], Any]]) -> "Phase":
        from tqdm import tqdm

        with tqdm(
            desc=f"{self.name} ({len(clients)} clients, {self.seconds:.0f} s)", unit="req"
        ) as bar:
            self.bar = bar
            started = time.perf_counter()
            asyncio.run(self._run(clients))
            self.wall = time.perf_counter() - started
        self.bar = None
        return self


def percentiles(values: list[float]) -> dict[str, float]:
    import numpy as np

    if not values:
        return {}
    p50, p95, p99 = np.percentile(np.array(values) * 1000, [50, 95, 99])
    return {
        "p50_ms": round(float(p50), 1),
        "p95_ms": round(float(p95), 1),
        "p99_ms": round(float(p99), 1),
    }


def summarise(phase: Phase, kinds: list[str] | None = None) -> dict[str, Any]:
    """Latencies of the requests that started inside the phase's window, by kind."""
    samples = [s for s in phase.samples if kinds is None or s.kind in kinds]
    ok = [s.seconds for s in samples if 200 <= s.status < 300]
    conflicts = sum(s.status == 409 for s in samples)
    errors = sum(not (200 <= s.status < 300) and s.status != 409 for s in samples)
    kinds_seen = sorted({s.kind for s in samples})
    return {
        **percentiles(ok),
        "requests": len(samples),
        "ok": len(ok),
        "per_s": round(len(samples) / phase.wall, 1),
        "conflicts_409": conflicts,
        "errors": errors,
        "by_kind": {
            k: {
                **percentiles(
                    [s.seconds for s in samples if s.kind == k and 200 <= s.status < 300]
                ),
                "requests": sum(s.kind == k for s in samples),
                "per_s": round(sum(s.kind == k for s in samples) / phase.wall, 1),
            }
            for k in kinds_seen
        }
        if len(kinds_seen) > 1
        else {},
    }


# --- the clients --------------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# The API tries the session first, and its CSRF check refuses a POST that has no CSRF cookie
# before the bearer token is even looked at; the clients send a cookie and header of their own
# (any client can), and `probe_bearer_post` records whether the API still needs that.
CSRF = "benchcsrfbenchcsrfbenchcsrf12345"
CSRF_HEADERS = {"Cookie": f"csrftoken={CSRF}", "X-CSRFToken": CSRF}


def probe_bearer_post(port: int, token: str, reference: str, version: int) -> dict[str, Any]:
    """Submit one draft with the bearer token alone: what a plain API client gets."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        f"/api/applications/{reference}/submit",
        json.dumps({"version": version}),
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    return {"status": response.status, "body": response.read()[:200].decode("utf-8", "replace")}


QUEUE = "/api/applications/reviews/queue"


def queue_path(rng: random.Random) -> str:
    order = rng.choices(["due", "new", "-due"], weights=[8, 1, 1])[0]
    page = 1 if rng.random() < 0.7 else rng.randint(2, 5)
    return f"{QUEUE}?order={order}&page={page}"


def queue_reader(token: str, seed_value: int) -> Callable:
    async def client(phase: Phase, conn: Connection) -> None:
        rng = random.Random(seed_value)
        while phase.running():
            await phase.call(conn, "queue (API)", "GET", queue_path(rng), bearer(token))

    return client


def page_reader(cookie: str, seed_value: int) -> Callable:
    async def client(phase: Phase, conn: Connection) -> None:
        rng = random.Random(seed_value)
        while phase.running():
            page = 1 if rng.random() < 0.7 else rng.randint(2, 5)
            await phase.call(
                conn, "queue (HTML)", "GET", f"/staff/queue/?page={page}", {"Cookie": cookie}
            )

    return client


def getter(kind: str, path: str, headers: dict[str, str] | None = None) -> Callable:
    async def client(phase: Phase, conn: Connection) -> None:
        while phase.running():
            await phase.call(conn, kind, "GET", path, headers)

    return client


def decider(officer: dict[str, Any], seed_value: int) -> Callable:
    """An officer working through their own queue: claim and approve a pending review."""

    async def client(phase: Phase, conn: Connection) -> None:
        rng = random.Random(seed_value)
        auth = bearer(officer["token"])
        page = 1
        while phase.running():
            status, found = await phase.call(
                conn, "queue (while deciding)", "GET", f"{QUEUE}?page={page}", auth
            )
            if status != 200:
                continue
            pending = [r for r in found["results"] if r["status"] == "pending"]
            if not pending:
                page = page % max(found["pages"], 1) + 1
                continue
            review = rng.choice(pending)
            base = f"/api/applications/reviews/{review['uid']}"
            status, claimed = await phase.call(
                conn, "claim", "POST", f"{base}/claim", auth, {"version": review["version"]}
            )
            if status != 200 or not phase.running():
                continue
            await phase.call(
                conn, "approve", "POST", f"{base}/approve", auth, {"version": claimed["version"]}
            )

    return client


def pending_of(officer: dict[str, Any], seed_value: int, limit: int = 400) -> list[tuple]:
    """Pending reviews of the officer's desk (read once, before a writes-only phase)."""
    from onewindow.applications.models import Review

    found = list(
        Review.objects.filter(
            agency__code=officer["agency"],
            application__district=officer["district"],
            status="pending",
        ).values_list("uid", "version")[:limit]
    )
    random.Random(seed_value).shuffle(found)
    return found


def lister(officer: dict[str, Any], reviews: list[tuple]) -> Callable:
    """An officer claiming and approving reviews picked beforehand: writes only, no reads."""

    async def client(phase: Phase, conn: Connection) -> None:
        auth = bearer(officer["token"])
        while phase.running() and reviews:
            uid, version = reviews.pop()
            base = f"/api/applications/reviews/{uid}"
            status, claimed = await phase.call(
                conn, "claim", "POST", f"{base}/claim", auth, {"version": version}
            )
            if status != 200 or not phase.running():
                continue
            await phase.call(
                conn, "approve", "POST", f"{base}/approve", auth, {"version": claimed["version"]}
            )

    return client


def submitter(entry: dict[str, Any], drafts: list[tuple[str, int]]) -> Callable:
    """An employer submits a complete draft; the hrss officer of its district claims and
    approves the review it opened."""

    async def client(phase: Phase, conn: Connection) -> None:
        employer, officer = bearer(entry["token"]), bearer(entry["officer"]["token"])
        while phase.running() and drafts:
            reference, version = drafts.pop()
            status, app = await phase.call(
                conn,
                "submit",
                "POST",
                f"/api/applications/{reference}/submit",
                employer,
                {"version": version},
            )
            if status != 200 or not phase.running():
                continue
            review = app["reviews"][0]
            base = f"/api/applications/reviews/{review['uid']}"
            status, claimed = await phase.call(
                conn, "claim", "POST", f"{base}/claim", officer, {"version": review["version"]}
            )
            if status != 200 or not phase.running():
                continue
            await phase.call(
                conn, "approve", "POST", f"{base}/approve", officer, {"version": claimed["version"]}
            )

    return client


def sign_in(port: int, username: str) -> str:
    """Sign in through the login page (password and the current TOTP code); the cookie."""
    import http.client

    from onewindow.accounts.models import User
    from onewindow.accounts.services import totp_current_code, totp_device

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    cookies = {
        c.split("=", 1)[0]: c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []
    }
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    code = totp_current_code(totp_device(User.objects.get(username=username)))
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": PASSWORD,
            "otp_token": code,
        }
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/accounts/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookies["csrftoken"],
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    session = [
        c.split(";", 1)[0]
        for c in response.headers.get_all("Set-Cookie") or []
        if c.startswith("sessionid=")
    ]
    if response.status != 302 or not session:
        raise RuntimeError(f"sign-in of {username} failed: {response.status}")
    return session[0]


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(workers: int, threads: int, log: Path) -> Iterator[int]:
    """`onewindow serve` (sync workers), or gunicorn with the same arguments and gthread
    workers; yields the port once it answers, and stops it afterwards."""
    import http.client

    port = free_port()
    env = dict(os.environ)
    if threads:
        from django.conf import settings
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        command = [
            str(VENV_BIN / "gunicorn"),
            "onewindow.config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--access-logformat",
            '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
            "--access-logfile",
            "-",
            "--env",
            f"DJANGO_SETTINGS_MODULE={os.environ['DJANGO_SETTINGS_MODULE']}",
            "--chdir",
            str(settings.PROJECT_DIR),
        ]
    else:
        command = [
            str(VENV_BIN / "onewindow"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}; see {log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/static/css/app.css")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer in 90 s; see {log}")
            time.sleep(0.3)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def server_times(log: Path, start: int, end: int) -> dict[str, dict[str, float]]:
    """Gunicorn's own request durations (the access log's %(M)s, inside the worker), by
    endpoint, for the log lines between two offsets: latency minus this is queueing."""
    with log.open("rb") as f:
        f.seek(start)
        lines = f.read(end - start).decode("utf-8", "replace").splitlines()
    times: dict[str, list[float]] = collections.defaultdict(list)
    pattern = re.compile(r'"(\w+) (\S+)" (\d+) \S+ (\d+)ms')
    for line in lines:
        m = pattern.search(line)
        if not m:
            continue
        path = re.sub(r"/reviews/[0-9a-f-]{36}/", "/reviews/<uid>/", m.group(2))
        path = re.sub(r"/applications/OW\d+/", "/applications/<ref>/", path)
        times[f"{m.group(1)} {path}"].append(int(m.group(4)) / 1000)
    return {k: {**percentiles(v), "requests": len(v)} for k, v in sorted(times.items())}


# --- in-process baselines ----------------------------------------------------------------------


def inprocess_queue(readers: list[dict[str, Any]], rounds: int) -> dict[str, Any]:
    """The queue endpoint's function, called without HTTP: selector, page, schema, JSON."""
    from django.contrib.auth.models import AnonymousUser  # noqa: F401
    from django.test import RequestFactory

    from onewindow.accounts.models import User
    from onewindow.applications import api as applications_api

    users = {u.pk: u for u in User.objects.filter(pk__in=[r["pk"] for r in readers])}
    factory = RequestFactory()
    times = []
    for i in range(rounds):
        reader = readers[i % len(readers)]
        request = factory.get(QUEUE)
        request.user = users[reader["pk"]]
        start = time.perf_counter()
        out = applications_api.queue(request, applications_api.QueueIn())
        out.model_dump_json()
        times.append(time.perf_counter() - start)
    return {**percentiles(times[len(readers) :]), "calls": rounds - len(readers)}


def inprocess_stack(readers: list[dict[str, Any]], rounds: int) -> dict[str, Any]:
    """The whole Django stack (middleware, bearer auth, endpoint) in-process, no network;
    and the SQL statements of one queue request with their plans."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    times = []
    for i in range(rounds):
        reader = readers[i % len(readers)]
        start = time.perf_counter()
        response = client.get(QUEUE, HTTP_AUTHORIZATION=f"Bearer {reader['token']}")
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:300]
    with CaptureQueriesContext(connection) as captured:
        client.get(QUEUE, HTTP_AUTHORIZATION=f"Bearer {readers[0]['token']}")
    statements = []
    with connection.cursor() as cursor:
        for q in captured.captured_queries:
            sql = q["sql"]
            plan: list[str] = []
            if sql.lstrip().upper().startswith("SELECT"):
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plan = [row[-1] for row in cursor.fetchall()]
            statements.append(
                {"sql": sql[:600], "ms": round(float(q["time"]) * 1000, 2), "plan": plan}
            )
    return {
        **percentiles(times[len(readers) :]),
        "calls": rounds - len(readers),
        "queries_per_request": len(captured.captured_queries),
        "statements": statements,
    }


def inprocess_connection(rounds: int = 200) -> dict[str, Any]:
    """What opening a connection costs (CONN_MAX_AGE is 0 for SQLite: once per request)."""
    from django.db import connection

    times = []
    for _ in range(rounds):
        connection.close()
        start = time.perf_counter()
        connection.ensure_connection()
        times.append(time.perf_counter() - start)
    return percentiles(times)


def inprocess_decisions(deciders: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """claim + approve through the services, in-process, one at a time (no contention)."""
    from onewindow.accounts.models import User
    from onewindow.applications import services as flow
    from onewindow.applications.models import Review

    times: dict[str, list[float]] = {"claim": [], "approve": []}
    done = 0
    for officer in deciders:
        user = User.objects.get(pk=officer["pk"])
        for review in Review.objects.filter(
            agency_id=user.agency_id,
            status="pending",
            application__district__in=user.districts.all(),
        ).select_related("application")[:3]:
            start = time.perf_counter()
            review = flow.review_claim(actor=user, review=review, version=review.version)
            times["claim"].append(time.perf_counter() - start)
            start = time.perf_counter()
            flow.review_approve(actor=user, review=review, version=review.version)
            times["approve"].append(time.perf_counter() - start)
            done += 1
        if done >= count:
            break
    both = times["claim"] + times["approve"]
    return {
        **percentiles(both),
        "decisions": done,
        "by_kind": {k: percentiles(v) for k, v in times.items()},
    }


# --- the run ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def build(args: argparse.Namespace) -> dict[str, Any]:
    """The seeded database: from the snapshot when it matches, else made afresh."""
    params = {"applications": args.applications, "seed": args.seed, "persons": args.persons}
    if not args.fresh and SNAPSHOT.exists() and SNAPSHOT_META.exists():
        meta = json.loads(SNAPSHOT_META.read_text())
        if meta.get("params") == params:
            print(f"== seeded database from {SNAPSHOT.name} (--fresh to seed again)")
            remove_db(DB)
            shutil.copyfile(SNAPSHOT, DB)
            from django.core.management import call_command

            call_command("migrate", verbosity=0)  # schema changes since the snapshot was made
            return meta
    remove_db(DB)
    remove_db(SNAPSHOT)
    SNAPSHOT_META.unlink(missing_ok=True)
    started = time.perf_counter()
    users = prepare(args.seed, args.persons)
    prepared = time.perf_counter() - started
    world = load_world()
    check = self_check(world, args.seed)
    print(
        f"self-check: {len(check['scenarios'])} applications made through the services, "
        f"{len(check['problems'])} differences from the replay"
    )
    for problem in check["problems"][:40]:
        print("   ", problem)
    if check["problems"] and not args.ignore_check:
        raise SystemExit("the bulk rows differ from the services' rows (see above)")
    started_seed = time.perf_counter()
    seeded = seed(args.applications, args.seed, world)
    seed_seconds = time.perf_counter() - started_seed
    checkpoint()
    shutil.copyfile(DB, SNAPSHOT)
    meta = {
        "params": params,
        "users": users,
        "self_check": check,
        "seeded": seeded,
        "prepare_seconds": round(prepared, 1),
        "seed_seconds": round(seed_seconds, 1),
        "database_mb": round(DB.stat().st_size / 2**20),
    }
    SNAPSHOT_META.write_text(json.dumps(meta, indent=1, default=str))
    return meta


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--persons", type=int, default=PERSONS)
    parser.add_argument("--seconds", type=float, default=45, help="per main phase")
    parser.add_argument("--workers", default="auto", help="sync workers, or 'auto' to measure")
    parser.add_argument("--think-ms", type=float, default=0, help="pause between requests")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="seed again, ignore the snapshot")
    parser.add_argument("--ignore-check", action="store_true")
    args = parser.parse_args()

    setup_django()
    print(
        f"== applications benchmark: {args.applications:,} applications, {args.clients} "
        f"clients, SQLite in {WORK}"
    )
    meta = build(args)
    from django.db import connection

    from onewindow.applications.models import Application

    count = Application.objects.count()
    people = load_users(meta["users"]["officers"], args.clients)
    connection.close()
    think = args.think_ms / 1000
    short = max(10.0, args.seconds / 4)
    log = VAR / "gunicorn.log"
    log.unlink(missing_ok=True)
    readers = people["readers"]

    def reading(port: int, name: str, seconds: float) -> Phase:
        return Phase(name, port, seconds, think).run(
            [queue_reader(r["token"], i) for i, r in enumerate(readers)]
        )

    # 1. which worker configuration (measured on queue reads)
    configs = (
        [(3, 0), (5, 0), (2, 8), (4, 4)] if args.workers == "auto" else [(int(args.workers), 0)]
    )
    sweep = []
    if len(configs) > 1:
        for workers, threads in configs:
            with server(workers, threads, log) as port:
                phase = reading(
                    port, f"sweep: {workers} workers × {max(threads, 1)} threads", short
                )
            sweep.append({"workers": workers, "threads": threads, **summarise(phase)})
        best = min(sweep, key=lambda s: s.get("p95_ms", 1e9) - s["per_s"] / 100)
        workers, threads = best["workers"], best["threads"]
    else:
        workers, threads = configs[0]
    print(
        f"== serving with {workers} {'gthread' if threads else 'sync'} workers"
        f"{f' × {threads} threads' if threads else ''}"
    )

    phases: dict[str, Any] = {}
    with server(workers, threads, log) as port:

        def measured(name: str, clients: list[Callable], seconds: float) -> Phase:
            offset = log.stat().st_size
            load = os.getloadavg()[0]
            phase = Phase(name, port, seconds, think).run(clients)
            time.sleep(0.5)
            phases[name] = {
                **summarise(phase),
                "seconds": round(phase.wall, 1),
                "clients": len(clients),
                "load_average_before": round(load, 2),
                "server_side": server_times(log, offset, log.stat().st_size),
                "sample_errors": phase.errors[:10],
            }
            if name.startswith("decisions"):
                phases[name]["writes"] = summarise(phase, ["submit", "claim", "approve"])
            return phase

        measured("static file", [getter("static", "/static/css/app.css")] * args.clients, short)
        measured(
            "api me", [getter("me", "/api/accounts/me", bearer(r["token"])) for r in readers], short
        )
        measured(
            "queue API", [queue_reader(r["token"], i) for i, r in enumerate(readers)], args.seconds
        )
        cookies = [sign_in(port, r["username"]) for r in readers[:HTML_SESSIONS]]
        measured(
            "queue HTML",
            [page_reader(cookies[i % len(cookies)], i) for i in range(args.clients)],
            short * 2,
        )
        chains = people["submitters"]
        one = chains[0]
        probe = probe_bearer_post(port, one["token"], *one["drafts"].pop())
        measured("decisions, 1 client", [submitter(one, one["drafts"])], short)
        measured(
            "decisions",
            [submitter(s, s["drafts"]) for s in chains]
            + [decider(o, i) for i, o in enumerate(people["deciders"])],
            args.seconds,
        )
        # the same writers without the queue reads, to tell CPU starvation by the reads from
        # the contention of writers for SQLite's single write lock
        lists = [pending_of(o, i) for i, o in enumerate(people["deciders"])]
        connection.close()
        measured(
            "decisions, writes only",
            [submitter(s, s["drafts"]) for s in chains]
            + [lister(o, lst) for o, lst in zip(people["deciders"], lists, strict=True)],
            short * 2,
        )

    print("in-process baselines …")
    baselines = {
        "queue_function_in_process": inprocess_queue(readers, 400),
        "django_stack_in_process": inprocess_stack(readers, 300),
        "connection_open": inprocess_connection(),
        "decision_services_in_process": inprocess_decisions(people["deciders"], 40),
    }
    report = {
        "applications": count,
        "seeded": meta["seeded"],
        "self_check": meta["self_check"],
        "prepare_seconds": meta["prepare_seconds"],
        "seed_seconds": meta["seed_seconds"],
        "database_mb": meta["database_mb"],
        "server": {
            "command": "onewindow serve" if not threads else "gunicorn (gthread)",
            "workers": workers,
            "threads": threads,
            "sweep": sweep,
        },
        "clients": args.clients,
        "think_ms": args.think_ms,
        "phase_seconds": args.seconds,
        "busiest_queues": people["open_by_desk"],
        "phases": phases,
        "bearer_post_without_csrf_cookie": probe,
        "baselines": baselines,
        "targets": targets(phases),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "machine": machine(),
    }
    save(report)
    print_table(report)
    return 0


def save(report: dict[str, Any]) -> None:
    """Keep one run per load shape (applications, clients, think time) in applications.json,
    so a run with think time sits beside the closed-loop one."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "applications.json"
    runs = json.loads(path.read_text()).get("runs", {}) if path.exists() else {}
    key = (
        f"{report['applications']} applications, {report['clients']} clients, "
        f"think {report['think_ms']:g} ms"
    )
    runs[key] = report
    path.write_text(json.dumps({"runs": runs}, indent=2, ensure_ascii=False, default=str) + "\n")


def targets(phases: dict[str, Any]) -> dict[str, Any]:
    queue = phases["queue API"]["p95_ms"]
    decision = phases["decisions"]["writes"].get("p95_ms", 0.0)
    by_kind = phases["decisions"]["by_kind"]
    errors = sum(p["errors"] for p in phases.values())
    return {
        "queue_p95_ms": {
            "value": queue,
            "target": QUEUE_P95_TARGET_MS,
            "pass": queue <= QUEUE_P95_TARGET_MS,
        },
        "decision_p95_ms": {
            "value": decision,
            "target": DECISION_P95_TARGET_MS,
            "pass": decision <= DECISION_P95_TARGET_MS,
            "note": "p95 of every write of the path (submit, claim, approve)",
            "by_kind_p95_ms": {
                k: by_kind[k].get("p95_ms") for k in ("submit", "claim", "approve") if k in by_kind
            },
        },
        "errors": {"value": errors, "target": 0, "pass": errors == 0},
    }


def print_table(report: dict[str, Any]) -> None:
    rows: list[tuple[str, str, str]] = [
        ("applications", f"{report['applications']:,}", f"database {report['database_mb']} MB"),
        (
            "server",
            f"{report['server']['workers']} workers × {max(report['server']['threads'], 1)}"
            f" threads",
            report["server"]["command"],
        ),
        ("clients", f"{report['clients']}", f"think {report['think_ms']} ms"),
    ]
    for s in report["server"]["sweep"]:
        rows.append(
            (
                f"  sweep {s['workers']}×{max(s['threads'], 1)}",
                f"p50 {s.get('p50_ms')} / p95 {s.get('p95_ms')} ms",
                f"{s['per_s']} req/s",
            )
        )
    for name, p in report["phases"].items():
        rows.append(
            (
                name,
                f"p50 {p.get('p50_ms')} / p95 {p.get('p95_ms')} / p99 {p.get('p99_ms')} ms",
                f"{p['per_s']} req/s, {p['errors']} errors, {p['conflicts_409']} × 409",
            )
        )
        for kind, k in p["by_kind"].items():
            rows.append(
                (
                    f"  {kind}",
                    f"p50 {k.get('p50_ms')} / p95 {k.get('p95_ms')} ms",
                    f"{k['per_s']} req/s",
                )
            )
    base = report["baselines"]
    for name in (
        "queue_function_in_process",
        "django_stack_in_process",
        "connection_open",
        "decision_services_in_process",
    ):
        b = base[name]
        rows.append(
            (name.replace("_", " "), f"p50 {b.get('p50_ms')} / p95 {b.get('p95_ms')} ms", "")
        )
    q = report["phases"]["queue API"]
    fn = base["queue_function_in_process"]
    if fn.get("p50_ms"):
        rows.append(
            (
                "ratio queue HTTP/in-process",
                f"p50 ×{q['p50_ms'] / fn['p50_ms']:.1f}",
                f"p95 ×{q['p95_ms'] / fn['p95_ms']:.1f}",
            )
        )
    rows.append(
        (
            "queries per queue request",
            f"{base['django_stack_in_process']['queries_per_request']}",
            "",
        )
    )
    for name, t in report["targets"].items():
        rows.append(
            (f"target {name}", f"{t['value']} (≤ {t['target']})", "PASS" if t["pass"] else "FAIL")
        )
    width = max(len(r[0]) for r in rows)
    print()
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<40} {note}")
    print(f"\nwritten to {RESULTS / 'applications.json'}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
