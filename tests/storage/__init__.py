"""Storage tests: run on SQLite and on PostgreSQL (see tests/conftest.py)."""
