"""The `onewindow` command: OneWindow's own commands and every Django management command.

onewindow demo                      fresh demo city, one user per role, served on :8000
onewindow serve [--port 8000]       serve the site (gunicorn)
onewindow generate --persons N --seed S
onewindow audit verify
onewindow totp USER                 the user's current two-factor code
onewindow bench registry [--full]
onewindow migrate | createsuperuser | ...   (Django's commands)
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a command; settings default to `onewindow.config.settings.base`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings.base")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "onewindow"
    if len(args) == 1:
        args.append("help")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
