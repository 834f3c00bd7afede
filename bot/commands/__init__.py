"""The operators' command line, ``python -m bot COMMAND ...``: the argparse root
(``main``), what every group shares (``common``), and one module per command group
(``db``, ``shipments``, ``demo``, ``leads``, ``kb``, ``run``, ``replicas``, ``telegram``,
``complaints``, ``users``, ``console``, ``kpi``, ``customers``).

The top layer: may import everything in ``bot``; nothing imports it, and it is the only
package that reads a command line (argparse).

Adding a command group: write a module with ``register(subparsers)`` that adds its
sub-parser(s) and sets ``handler`` on each (``parser.set_defaults(handler=fn)``, where
``fn(args) -> int`` returns the exit code), and list ``"bot.commands.<module>:register"``
in :data:`bot.commands.main.COMMANDS`. Every group's module is imported to build
``--help``, so keep heavy imports (Rasa, spaCy, aiohttp) inside the handler, where only
that command pays for them.
"""
