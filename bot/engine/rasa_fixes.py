"""What Freight Desk changes in Rasa 3.6, and the one call that installs it all.

:func:`apply_fixes` installs, once per process:

- **Failed custom actions apologise** instead of leaving the customer with nothing
  (:mod:`bot.engine.action_failures`).
- **A tripped circuit breaker is answered** and the conversation listens again, instead
  of staying silent for good (:mod:`bot.engine.circuit_breaker`).
- **A form set aside by another is named** to the customer instead of dropped without a
  word (:mod:`bot.engine.form_switch`).
- **Tracker store outages are loud**: a failed read is answered honestly instead of
  starting an empty conversation, a failed save is kept and written later
  (:mod:`bot.engine.tracker_outages`); and the project's tracker store
  (:mod:`bot.engine.tracker_store`) reaches the Agent without Rasa's silent
  ``FailSafeTrackerStore`` around it (:func:`keep_tracker_store_failures_loud`).
- **Three hot spots**, found with py-spy profiles and the event benchmark (below).
- **Masked logs**: customers' contacts never reach a log line in clear
  (:mod:`bot.domain.logmask`, as in every Freight Desk process), and Rasa's SQL engines
  keep statement values out of error texts (``hide_parameters``); on PostgreSQL its
  tracker store gets the project's connect and statement timeouts.
- **Custom actions have a time limit** well under the conversation lock's lifetime
  (:data:`bot.engine.action_failures.ACTION_TIMEOUT_ENV`).

**However Rasa starts.** `python -m bot.engine.server` installs them before Rasa's
command line runs; `rasa run`, `rasa shell` and the rest get them from the classes the
project's endpoints.yml and credentials.yml name, each of which calls :func:`apply_fixes`
when Rasa builds it: the input channels (``from_credentials``), the tracker store, the
lock store and the RabbitMQ broker (their constructors). Rasa 3.6 (``rasa.core.run``,
``rasa.core.agent.load_agent``) builds, in this order, the input channels, the event
broker, the tracker store, the lock store, the ``Agent`` (which wraps the tracker store
with ``Agent._create_tracker_store``) and, from the model, the ``MessageProcessor``;
``RemoteAction.run``, ``Event.resolve_by_type`` and the processor's and
``FailSafeTrackerStore``'s methods are looked up on their classes at every call. So every
patch is in place before what it patches is used, except one: the embedded profile's
event broker is Rasa's own SQL broker, built just before the tracker store; the tracker
store hands it to :func:`apply_fixes`, which gives that instance the fix its class now has.

**Or Rasa stops.** A fix that cannot be installed (a Rasa whose classes differ) raises
:class:`RasaFixesError`, a ``RuntimeError``: Rasa turns an ``ImportError`` or
``AttributeError`` from a configured tracker store into a warning and an in-memory
store, and that must not happen silently.

The hot spots, measured on the Rasa server under REST traffic:

- Rasa 3.6 checks every action server response with ``jsonschema.validate``, which first
  validates the response *schema* against the JSON Schema meta-schema, on every call:
  51% of the server's time in a turn with one custom action. The fix compiles the
  (constant) schema's validator once and still validates every response against it, so
  a malformed response is rejected exactly as before.
- Loading a conversation turns each stored event back into an object, and
  ``Event.resolve_by_type`` finds the class by walking every Event subclass, for every
  event: 24% of the server's time at turn 150 of one conversation, and growing with its
  length. The fix looks the class up in a table built from the same subclasses in the
  same order (first match wins, as before), rebuilt when a name is not in it.
- Rasa's SQL event broker on SQLite (the embedded default) opens and closes a connection
  for every event (SQLAlchemy's ``NullPool``), and SQLite checkpoints its WAL each time
  the last connection closes: 36-48 ms per event on the loaded development machine,
  several events per turn. The fix gives the broker one kept connection
  (``StaticPool``); each event is still committed on its own, with the same durability:
  9 ms per event on the same machine.
"""

from __future__ import annotations

import functools
from typing import Any

from bot.domain import logmask
from bot.engine.action_failures import make_remote_action_run
from bot.engine.circuit_breaker import make_run_prediction_loop
from bot.engine.form_switch import make_activate_loop
from bot.engine.tracker_outages import (
    FAILSAFE_METHODS,
    PROCESSOR_METHODS,
    apply_tracker_store_fixes,
)

#: Attribute set on every function installed here, so installing twice changes nothing.
MARK = "_freightdesk_fix"


class RasaFixesError(RuntimeError):
    """A fix could not be installed: Rasa must not serve customers without it."""


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


setattr(_validate_action_result, MARK, True)

_event_classes: dict[str, Any] = {}


def _event_class_table() -> dict[str, Any]:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    table: dict[str, Any] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    return table


def _make_resolve_by_type(original: Any) -> Any:
    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        """Same contract as Event.resolve_by_type, with a lookup table."""
        cls = _event_classes.get(type_name)
        if cls is None:
            _event_classes.clear()
            _event_classes.update(_event_class_table())
            cls = _event_classes.get(type_name)
        return cls if cls is not None else original(type_name, default)

    setattr(resolve_by_type, MARK, True)
    return resolve_by_type


def keep_one_sqlite_connection(broker: Any) -> None:
    """Give a Rasa SQL event broker on SQLite one kept connection (idempotent).

    Any other broker, or one on another database, is left as it is.
    """
    from rasa.core.brokers.sql import SQLEventBroker
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker
    from sqlalchemy.pool import StaticPool

    if not isinstance(broker, SQLEventBroker) or broker.engine.dialect.name != "sqlite":
        return
    if isinstance(broker.engine.pool, StaticPool):
        return
    url = broker.engine.url
    broker.engine.dispose()
    # Rasa publishes from its event loop's thread only; StaticPool shares one
    # connection, which must then be allowed to cross threads.
    broker.engine = create_engine(
        url,
        poolclass=StaticPool,
        hide_parameters=True,
        connect_args={"check_same_thread": False},
    )
    broker.sessionmaker = sessionmaker(bind=broker.engine)


def _make_broker_init(original: Any) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        """SQLEventBroker.__init__, then one kept connection on SQLite."""
        original(self, *args, **kwargs)
        keep_one_sqlite_connection(self)

    setattr(__init__, MARK, True)
    return __init__


def _make_engine_kwargs(original: Any) -> Any:
    def create_engine_kwargs(url: Any) -> dict[str, Any]:
        """Rasa's engine settings for its SQL tracker store, plus the project's: error
        texts without the statement's values, and PostgreSQL connect and statement
        timeouts (:func:`bot.storage.db.postgresql_timeouts`)."""
        from sqlalchemy.engine import make_url

        from bot.storage.db import postgresql_timeouts

        kwargs = dict(original(url))
        kwargs["hide_parameters"] = True
        parsed = make_url(url)
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg2":
            ours = postgresql_timeouts()
            connect_args = dict(kwargs.get("connect_args") or {})
            options = " ".join(filter(None, [connect_args.get("options"), ours["options"]]))
            kwargs["connect_args"] = {**connect_args, **ours, "options": options}
        return kwargs

    setattr(create_engine_kwargs, MARK, True)
    return create_engine_kwargs


def keep_tracker_store_failures_loud() -> None:
    """Hand a store that says ``fails_loudly = True`` to the Agent without the silent wrapper.

    Any other store is wrapped in ``FailSafeTrackerStore`` as Rasa does (whose errors
    :mod:`bot.engine.tracker_outages` passes on).
    """
    from rasa.core.agent import Agent

    original = Agent._create_tracker_store
    if getattr(original, MARK, False):
        return

    def create_tracker_store(store: Any, domain: Any) -> Any:
        if getattr(store, "fails_loudly", False) is True:
            store.domain = domain
            return store
        return original(store, domain)

    setattr(create_tracker_store, MARK, True)
    Agent._create_tracker_store = staticmethod(create_tracker_store)


def _install() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.shared.core.events import Event

    logmask.install()
    if not getattr(SQLEventBroker.__init__, MARK, False):
        SQLEventBroker.__init__ = _make_broker_init(SQLEventBroker.__init__)
    RemoteAction._validate_action_result = _validate_action_result
    if not getattr(Event.resolve_by_type, MARK, False):
        Event.resolve_by_type = staticmethod(_make_resolve_by_type(Event.resolve_by_type))
    if not getattr(RemoteAction.run, MARK, False):
        RemoteAction.run = make_remote_action_run(RemoteAction.run)
    from rasa.core.actions.forms import FormAction
    from rasa.core.processor import MessageProcessor

    if not getattr(FormAction._activate_loop, MARK, False):
        FormAction._activate_loop = make_activate_loop(FormAction._activate_loop)
        setattr(FormAction._activate_loop, MARK, True)
    if not getattr(MessageProcessor._run_prediction_loop, MARK, False):
        MessageProcessor._run_prediction_loop = make_run_prediction_loop(
            MessageProcessor._run_prediction_loop
        )
    keep_tracker_store_failures_loud()
    apply_tracker_store_fixes()
    import rasa.core.tracker_store as rasa_tracker_store

    if not getattr(rasa_tracker_store.create_engine_kwargs, MARK, False):
        rasa_tracker_store.create_engine_kwargs = _make_engine_kwargs(
            rasa_tracker_store.create_engine_kwargs
        )


def missing_fixes() -> list[str]:
    """The Rasa attributes that do not carry a fix (empty once :func:`apply_fixes` ran)."""
    import rasa.core.tracker_store as rasa_tracker_store
    from rasa.core.actions.action import RemoteAction
    from rasa.core.actions.forms import FormAction
    from rasa.core.agent import Agent
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import FailSafeTrackerStore
    from rasa.shared.core.events import Event

    patched: list[tuple[Any, str]] = [
        (rasa_tracker_store, "create_engine_kwargs"),
        (SQLEventBroker, "__init__"),
        (RemoteAction, "_validate_action_result"),
        (RemoteAction, "run"),
        (Event, "resolve_by_type"),
        (Agent, "_create_tracker_store"),
        (MessageProcessor, "_run_prediction_loop"),
        (FormAction, "_activate_loop"),
        *((FailSafeTrackerStore, method) for method in FAILSAFE_METHODS),
        *((MessageProcessor, method) for method in PROCESSOR_METHODS),
    ]
    return [
        f"{owner.__name__}.{name}"
        for owner, name in patched
        if not getattr(getattr(owner, name, None), MARK, False)
    ]


def apply_fixes(event_broker: Any = None) -> None:
    """Install every fix on Rasa's classes (idempotent; cheap once installed).

    Args:
        event_broker: a broker Rasa built before the fixes were installed (it builds the
            event broker just before the tracker store, which passes it here); it gets
            the fix its class now has.

    Raises:
        RasaFixesError: a fix could not be installed, or is not in place afterwards.
    """
    try:
        _install()
        if event_broker is not None:
            keep_one_sqlite_connection(event_broker)
    except Exception as exc:
        raise RasaFixesError(
            f"Freight Desk's fixes to Rasa could not be installed ({type(exc).__name__}: "
            f"{exc}). Without them a failed custom action leaves the customer unanswered and "
            "an unreadable conversation starts again empty, so Rasa must not start; check "
            "the installed Rasa against requirements.lock."
        ) from exc
    missing = missing_fixes()
    if missing:
        raise RasaFixesError(
            "Freight Desk's fixes to Rasa are not in place on " + ", ".join(missing) + " (a "
            "Rasa whose classes differ from 3.6?), so Rasa must not start; check the "
            "installed Rasa against requirements.lock."
        )
