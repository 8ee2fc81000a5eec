"""Exit codes of the ``cortexbuild`` command (importable without click)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_API = 1  # the API answered with an error (4xx/5xx)
EXIT_USAGE = 2  # bad options or arguments (click's own convention)
EXIT_CONNECTION = 3  # the server could not be reached, or the backend was lost while running
EXIT_VERIFY = 4  # `verify`: the delivery is not genuine or not fresh
EXIT_INTERNAL = 70  # a bug in this command (EX_SOFTWARE)
EXIT_INTERRUPTED = 130  # Ctrl-C
