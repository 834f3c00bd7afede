"""Rasa's own command line, with a fix for a hot spot measured on this project.

`python -m bot.rasa_server run ...` is `rasa run ...` after :func:`apply_fixes`. The
stack runner starts Rasa this way; everything else is Rasa's unchanged behaviour.

Rasa 3.6 checks every action server response with ``jsonschema.validate``, which first
validates the response *schema* against the JSON Schema meta-schema, on every call. A
py-spy profile of a turn with one custom action put 51% of the Rasa server's time in
that check. The fix compiles the (constant) schema's validator once and still validates
every response against it, so a malformed response is rejected exactly as before.
"""

from __future__ import annotations

import functools
import sys
from typing import Any


@functools.lru_cache(maxsize=1)
def _response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    spec = RemoteAction.action_response_format_spec()
    validator_class = validator_for(spec)
    validator_class.check_schema(spec)
    return validator_class(spec)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Same contract as RemoteAction._validate_action_result, with a compiled validator."""
    from jsonschema import ValidationError

    try:
        _response_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your "
            "response from the Action endpoint is valid."
        )
        raise
    return True


def apply_fixes() -> None:
    """Install the fix on Rasa's RemoteAction (idempotent)."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result


def main() -> None:
    """Run Rasa's CLI with the fixes applied; arguments as for `rasa`."""
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
