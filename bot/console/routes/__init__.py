"""The console's routes, one module per area; each has ``add_routes(app)``.

``sign_in`` (sign in and out), ``handoffs`` (the queue and handed-over conversations),
``complaints``, ``team`` (managers move agents), ``dashboard`` (the managers' KPI pages
and everyone's own figures), ``reports`` (the CSV export and the service review).

May import :mod:`bot.console.web`, :mod:`bot.console.dashboard_view`, the engine, domain,
storage and core; never :mod:`bot.console.app` (which adds these routes) or each other.
"""
