"""The ``cortexbuild`` command (``pip install 'cortexbuild-sdk[cli]'``).

Subcommands live in their own modules and are imported only when run, so ``cortexbuild --help`` loads
click and nothing else of weight. Exit codes (see docs/cli.md): 0 ok, 1 the API refused the request,
2 usage error, 3 connection or backend lost, 4 webhook signature verification failed, 70 internal error,
130 interrupted.
"""

from __future__ import annotations

from ._app import EXIT_API, EXIT_CONNECTION, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, EXIT_VERIFY, main

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
