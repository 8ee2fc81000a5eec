"""The ``cortexbuild`` command (``pip install 'cortexbuild-sdk[cli]'``).

Subcommands live in their own modules and are imported only when run, so ``cortexbuild --help`` loads
click and nothing else of weight. Exit codes (see docs/cli.md): 0 ok, 1 the API refused the request,
2 usage error, 3 connection or backend lost, 4 webhook signature verification failed, 70 internal error,
130 interrupted.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from ._codes import EXIT_API, EXIT_CONNECTION, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, EXIT_VERIFY

__all__ = [
    "EXIT_API",
    "EXIT_CONNECTION",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_VERIFY",
    "main",
]


def main(argv: list[str] | None = None) -> NoReturn:
    """The console script: run the command and exit with its code."""
    try:
        from ._app import run
    except ImportError as exc:  # installed without the extra
        print(
            f"error: the cortexbuild command needs the 'cli' extra ({exc.name or exc} is missing): "
            "pip install 'cortexbuild-sdk[cli]'",
            file=sys.stderr,
        )
        sys.exit(EXIT_USAGE)
    sys.exit(run(argv))
