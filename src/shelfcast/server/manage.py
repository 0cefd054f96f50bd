"""Django's ``manage.py`` for this project: ``python -m shelfcast.server.manage <command>``."""

from __future__ import annotations

import os
import sys

from shelfcast.server import DEFAULT_SETTINGS_MODULE


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS_MODULE)
    from shelfcast.server import ensure_workspace

    ensure_workspace()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
