"""`onewindow serve`: collect static files, start the task worker (which runs the nightly
monitoring task) and serve the site with gunicorn."""

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve OneWindow on a local address with gunicorn."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument(
            "--no-task-worker", action="store_true", help="do not start `onewindow db_worker`"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/ (Ctrl-C stops)")
        sys.stdout.flush()
        if not options["no_task_worker"]:
            from onewindow.monitoring.tasks import schedule_nightly

            schedule_nightly()
            # In this process group: Ctrl-C stops it with the server.
            subprocess.Popen(
                [os.path.join(os.path.dirname(sys.executable), "onewindow"), "db_worker"]
            )
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        os.execv(  # noqa: S606 - replaces this process with the server, fixed arguments
            gunicorn,
            [
                gunicorn,
                "onewindow.config.wsgi",
                "--bind",
                f"{options['host']}:{options['port']}",
                "--workers",
                str(options["workers"]),
                "--access-logformat",
                '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
                "--access-logfile",
                "-",
                "--env",
                f"DJANGO_SETTINGS_MODULE={os.environ['DJANGO_SETTINGS_MODULE']}",
                "--chdir",
                str(settings.PROJECT_DIR),
            ],
        )
