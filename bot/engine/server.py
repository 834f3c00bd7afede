"""`python -m bot.engine.server run ...`: Rasa's own command line, fixes installed first.

The stack runner (bot/ops/stack.py) starts Rasa this way. It is `rasa run ...` after
:func:`bot.engine.rasa_fixes.apply_fixes`; Rasa started the stock way with the
project's endpoints.yml or credentials.yml gets the same fixes from the classes named
there (see :mod:`bot.engine.rasa_fixes`). Installing them here first covers a run with
other endpoints and channels too.

The HTTP API token comes from the environment (:data:`AUTH_TOKEN_ENV`), not the command
line: a process's arguments are readable by every local user (`ps`), its environment by
its owner only. The launcher hands the token to Rasa's argument parser in-process, which
leaves the process's visible command line as it was started.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from bot.engine.rasa_fixes import apply_fixes

#: Environment variable the stack passes Rasa's HTTP API token in.
AUTH_TOKEN_ENV = "FREIGHTDESK_RASA_AUTH_TOKEN"


def rasa_argv(argv: list[str], environ: Mapping[str, str]) -> list[str]:
    """Rasa's arguments: ``argv`` with ``--auth-token`` from :data:`AUTH_TOKEN_ENV` added."""
    args = ["rasa", *argv]
    token = environ.get(AUTH_TOKEN_ENV, "")
    if token and args[1:2] == ["run"] and "--auth-token" not in args:
        args += ["--auth-token", token]
    return args


def main() -> None:
    """Run Rasa's CLI with the fixes applied; arguments as for `rasa`."""
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    sys.argv = rasa_argv(sys.argv[1:], os.environ)
    rasa_main()


if __name__ == "__main__":
    main()
