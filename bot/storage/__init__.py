"""Storage: the SQLAlchemy engine and sessions (``db``), the ORM models (``models``) and
the Alembic migrations (``migrations/``).

May import ``bot.core`` only. Domain code opens a session per unit of work with
``db.session_scope``; async code uses ``db.run_in_session``.
"""
