"""Freight Desk: the customer-service assistant's own code.

The folders are the architecture (README, "Layout"); each may import only the ones below
it, which `lint-imports` checks in `make test` (contracts in pyproject.toml):

- ``commands``: the operators' command line (``python -m bot``); may import everything.
- ``ops``: starting and stopping the stack, replicas, profiles. ``console``: the agents'
  console and managers' dashboard. Neither imports the other.
- ``bootstrap``: which listener follows which domain event, wired once per process.
- ``engine``: everything that runs inside Rasa or speaks its formats.
- ``domain``: the service itself, plain Python and SQLAlchemy; no Rasa, web or CLI.
- ``storage``: database engine, sessions, models, migrations.
- ``core``: settings and the settings-file loader.

``actions/`` (the Rasa action server's code) uses domain, storage and core only.
"""
