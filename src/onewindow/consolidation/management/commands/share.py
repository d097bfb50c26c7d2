"""`onewindow share grant | list | revoke`: agencies' data shares (see docs/import-mappings.md)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.consolidation.models import DataShare
from onewindow.consolidation.sharing import PURPOSES, SHAREABLE, share_grant, share_revoke
from onewindow.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Data shares for agencies. `grant AGENCY PURPOSE --fields a,b [--sources s]` prints "
        "the token once; `list`; `revoke UID`. Purposes: "
        + ", ".join(PURPOSES)
        + ". Fields: "
        + ", ".join(SHAREABLE)
        + "."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["grant", "list", "revoke"])
        parser.add_argument("args", nargs="*")
        parser.add_argument("--fields", default="")
        parser.add_argument("--sources", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "grant":
                if len(args) != 2:
                    raise CommandError("grant AGENCY PURPOSE --fields a,b [--sources s]")
                share, token = share_grant(
                    actor=None,
                    agency=args[0],
                    purpose=args[1],
                    fields=[f for f in options["fields"].split(",") if f],
                    sources=[s for s in options["sources"].split(",") if s],
                )
                self.stdout.write(f"share {share.uid}: {', '.join(share.fields)}")
                self.stdout.write(self.style.SUCCESS(f"token (shown once): {token}"))
            elif action == "revoke":
                if len(args) != 1:
                    raise CommandError("revoke UID")
                share = DataShare.objects.filter(uid=args[0]).first()
                if share is None:
                    raise CommandError("no such share")
                share_revoke(actor=None, share=share)
                self.stdout.write(f"revoked {share.uid}")
            else:
                for share in DataShare.objects.select_related("agency"):
                    state = "revoked" if share.revoked_at else "active"
                    self.stdout.write(
                        f"{share.uid}  {share.agency.code:18} {share.purpose:32} {state}  "
                        f"{','.join(share.fields)}"
                    )
        except DomainError as exc:
            raise CommandError(exc.text()) from exc
