"""The agent console and the managers' dashboard: an aiohttp web app, server-rendered.

``app`` builds the application (middlewares, routes) and serves it; ``config`` says what
it needs to run; ``web`` holds what every route shares (application keys, the access rule
a route declares, rendering); ``dashboard_view`` what the dashboard pages share; and
``routes/`` one module per area. Templates and static files sit beside them.

May import :mod:`bot.bootstrap`, :mod:`bot.engine`, :mod:`bot.domain`, :mod:`bot.storage`
and :mod:`bot.core`; never argparse or :mod:`bot.commands` (``python -m bot console``
is :mod:`bot.commands.console`).
"""
