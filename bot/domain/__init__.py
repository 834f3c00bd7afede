"""The service itself: tracking, shipments, quotes and transit times, the knowledge base,
complaints and their promised follow-ups, the human-handoff queue, the satisfaction
survey, KPIs and reports, staff accounts, personal-data retention.

Plain Python and SQLAlchemy, testable alone. May import ``bot.storage`` and ``bot.core``;
never Rasa, rasa-sdk, Sanic, aiohttp, an HTTP or broker client, argparse, or the packages
above it. What it needs from the conversation engine (sending a message into a
conversation, pausing it) it declares as small interfaces that ``bot.engine`` implements
and ``bot.bootstrap`` or the caller passes in. What follows what (a resolved complaint, a
closed chat) it announces as events (``events``) through a ``publish`` it is given.
"""
