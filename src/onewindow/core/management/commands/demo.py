"""`onewindow demo`: a fresh SQLite database with a small synthetic city, one user per role
(their sign-in printed), then the site served on http://127.0.0.1:8000."""

import datetime
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from onewindow.accounts.models import Agency, Role, User
from onewindow.accounts.services import agencies_load, totp_device, totp_secret, user_create
from onewindow.consolidation.demo_extracts import write_demo_extracts
from onewindow.consolidation.linking import index_registry
from onewindow.core.demo_applications import (
    seed_applications,
    seed_final_round,
    seed_points_hukou,
)
from onewindow.geo.models import District, ServiceStation
from onewindow.geo.services import geo_load_reference_data
from onewindow.monitoring.alerts import run_alerts
from onewindow.monitoring.demo import seed_monitoring
from onewindow.monitoring.refresh import refresh_aggregates
from onewindow.policies.facts_table import build as facts_build
from onewindow.registry.generate import generate_city
from onewindow.registry.models import DocumentType, Employer, Person
from onewindow.registry.services import document_add, person_create, residence_register
from onewindow.services.demo import make_counsellor, seed_community, seed_services

TIANHE, YUEXIU, BAIYUN = "440106", "440104", "440111"
# One officer in Tianhe for each agency that reviews applications (exit-entry is `officer`).
REVIEWING_AGENCIES = [
    "hrss",
    "foreign_expert",
    "household",
    "education",
    "civil_affairs",
    "migrant_services",
]

# A few well-known residents so that every kind of search has something to find.
SHOWCASE = [
    {
        "zh_name": "张伟",
        "sex": "M",
        "birth_date": datetime.date(1988, 3, 14),
        "nationality": "CN",
        "hukou_place": "430102",
        "id": "430102198803141234",
    },
    {
        "family_name": "García",
        "given_name": "José",
        "latin_family_name": "Garcia",
        "latin_given_name": "Jose",
        "sex": "M",
        "birth_date": datetime.date(1990, 7, 2),
        "nationality": "ES",
        "passport": "PAB123456",
    },
    {
        "family_name": "Петров",
        "given_name": "Иван",
        "latin_family_name": "Petrov",
        "latin_given_name": "Ivan",
        "zh_name": "伊万·彼得罗夫",
        "sex": "M",
        "birth_date": datetime.date(1985, 11, 30),
        "nationality": "RU",
        "passport": "751234567",
    },
]


def _showcase(actor: Any, district: District) -> None:
    from stdnum.cn import ric

    from onewindow.registry.validators import make_td3

    for spec in SHOWCASE:
        spec = dict(spec)
        id_number, passport = spec.pop("id", None), spec.pop("passport", None)
        person = person_create(actor=actor, why="demo", **spec)
        residence_register(
            actor=actor,
            person=person,
            address="天河路385号",
            district=district,
            valid_from=datetime.date(2024, 1, 1),
        )
        if id_number:
            number = id_number[:17] + ric.calc_check_digit(id_number)
            document_add(
                actor=actor,
                person=person,
                doc_type=DocumentType.RESIDENT_ID,
                number=number,
                issuing_country="CHN",
            )
        if passport:
            expiry = datetime.date(2031, 5, 1)
            country = {"ES": "ESP", "RU": "RUS"}[person.nationality]
            lines = make_td3(
                issuing_state=country,
                family_name=person.latin_family_name,
                given_name=person.latin_given_name,
                number=passport,
                nationality=country,
                birth_date=person.birth_date,
                sex=person.sex,
                expiry_date=expiry,
            )
            document_add(
                actor=actor,
                person=person,
                doc_type=DocumentType.PASSPORT,
                number=passport,
                issuing_country=country,
                expiry_date=expiry,
                mrz="\n".join(lines),
            )


class Command(BaseCommand):
    help = "Build a fresh demo city in SQLite, print one sign-in per role, and serve it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--persons", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=2016)
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="build, print, and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.sqlite3":
            raise CommandError("The demo builds a fresh SQLite database: unset DATABASE_URL.")
        connections.close_all()
        path = Path(db["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stdout.write("== database")
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        self.stdout.write("== reference data")
        geo_load_reference_data()
        agencies_load()
        self.stdout.write(f"== synthetic city: {options['persons']:,} persons")
        generate_city(persons=options["persons"], seed=options["seed"], progress=True)
        users = self._users()
        _showcase(User.objects.get(username="admin"), District.objects.get(code=TIANHE))
        self.stdout.write("== applications in every state")
        seed_applications()
        self.stdout.write("== points-based hukou: last year's round decided, this year's waiting")
        seed_points_hukou(12)
        seed_final_round(timezone.localdate().year - 1, quota=5)
        seed_points_hukou(20)
        self.stdout.write("== registry facts for policy simulations")
        facts_build()
        self.stdout.write(f"== agency extracts to import: {write_demo_extracts()}")
        self.stdout.write("== linkage keys of the registered persons")
        index_registry()
        self.stdout.write(f"== services at the stations: {seed_services():,}")
        for user, _password in users:
            if user.role == Role.STATION_STAFF:
                make_counsellor(user)
        by_name = {user.username: user for user, _password in users}
        self.stdout.write("== an association, volunteer shifts, consultations")
        seed_community(
            admin=by_name["admin"],
            station_staff=by_name["station"],
            expert=by_name["expert"],
            resident=by_name["resident"],
        )
        self.stdout.write(f"== permits and two years of applications: {seed_monitoring()}")
        self.stdout.write("== the dashboard's figures and tonight's alerts")
        refresh_aggregates()
        run_alerts()
        self._print(users)
        if not options["no_serve"]:
            call_command("serve", port=options["port"])

    def _users(self) -> list[tuple[User, str]]:
        tianhe, yuexiu, baiyun = (District.objects.get(code=c) for c in (TIANHE, YUEXIU, BAIYUN))
        exit_entry = Agency.objects.get(code="exit_entry")
        station = ServiceStation.objects.filter(district=tianhe).order_by("code").first()
        # A migrant of Tianhe with a child, registered for more than six months, so that
        # every resident journey (residence permit, school support) is open to them.
        settled = timezone.localdate() - datetime.timedelta(days=200)
        resident_person = (
            Person.objects.filter(
                current_district=tianhe,
                nationality="CN",
                residences__valid_to__isnull=True,
                residences__valid_from__lte=settled,
                family_links__relation="child",
            )
            .exclude(account__isnull=False)
            .order_by("id")
            .first()
        )
        specs = [
            ("admin", Role.ADMINISTRATOR, {}),
            ("officer", Role.OFFICER, {"agency": exit_entry, "districts": [tianhe]}),
            (
                "officer.baiyun",
                Role.OFFICER,
                {"agency": Agency.objects.get(code="hrss"), "districts": [baiyun]},
            ),
            *[
                (
                    f"officer.{code.replace('_', '')}",
                    Role.OFFICER,
                    {"agency": Agency.objects.get(code=code), "districts": [tianhe]},
                )
                for code in REVIEWING_AGENCIES
            ],
            ("supervisor", Role.SUPERVISOR, {"agency": exit_entry, "districts": [tianhe, yuexiu]}),
            ("station", Role.STATION_STAFF, {"station": station}),
            (
                "station.yuexiu",
                Role.STATION_STAFF,
                {
                    "station": ServiceStation.objects.filter(district=yuexiu)
                    .order_by("code")
                    .first()
                },
            ),
            ("analyst", Role.ANALYST, {}),
            ("expert", Role.EXPERT, {}),
            (
                "employer",
                Role.EMPLOYER,
                {"employer": Employer.objects.filter(district=tianhe).order_by("id").first()},
            ),
            ("resident", Role.RESIDENT, {"person": resident_person}),
        ]
        made = []
        for username, role, extra in specs:
            password = secrets.token_urlsafe(9)
            made.append(
                (
                    user_create(
                        actor=None, username=username, password=password, role=role, **extra
                    ),
                    password,
                )
            )
        return made

    def _print(self, users: list[tuple[User, str]]) -> None:
        lines = ["", "Demo users (sign in at http://127.0.0.1:8000/accounts/login/):", ""]
        lines.append(f"  {'role':<14} {'user name':<24} {'password':<14} TOTP secret (staff)")
        for user, password in users:
            secret = totp_secret(totp_device(user)) if user.is_staff_role else "—"
            lines.append(f"  {user.role:<14} {user.username:<24} {password:<14} {secret}")
        lines += [
            "",
            "Staff sign in with a six-digit code: add the secret to an authenticator app, or run",
            "  .venv/bin/onewindow totp officer",
            "Try searching: 张伟 · zhang wei · Wei Zhang · zhāng-wěi · garcia jose · Иван Петров",
            "",
        ]
        text = "\n".join(lines)
        self.stdout.write(text)
        out = Path(settings.VAR_DIR) / "demo-users.txt"
        out.write_text(text, encoding="utf-8")
        out.chmod(0o600)
