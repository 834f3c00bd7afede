"""`python -m bot.engine.server run ...`: Rasa's own command line, fixes installed first.

The stack runner (bot/ops/stack.py) starts Rasa this way. It is `rasa run ...` after
:func:`bot.engine.rasa_fixes.apply_fixes`; Rasa started the stock way with the
project's endpoints.yml or credentials.yml gets the same fixes from the classes named
there (see :mod:`bot.engine.rasa_fixes`). Installing them here first covers a run with
other endpoints and channels too.
"""

from __future__ import annotations

import sys

from bot.engine.rasa_fixes import apply_fixes


def main() -> None:
    """Run Rasa's CLI with the fixes applied; arguments as for `rasa`."""
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
