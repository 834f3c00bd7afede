"""Customer channels on the Rasa server: REST, the web chat page, and Telegram.

Engine code: ``rest``, ``webchat`` and ``telegram`` are Rasa input channels (named in
credentials.yml) and import Rasa and Sanic; building one installs the project's fixes to
Rasa (:mod:`bot.engine.rasa_fixes`). ``guard``, ``settings``, ``telegram_updates``,
``telegram_replies`` and ``telegram_poll`` stay free of Rasa, so the command line, the
poller and the unit tests use them without loading it. Message size limits come from
:mod:`bot.domain.limits`. May import domain, storage and core.
"""
