"""The conversation engine: everything that runs inside Rasa or speaks its formats.

Here live the Rasa launcher (``server``) and the fixes it and every class below install
in Rasa however it is started (``rasa_fixes``, ``action_failures``,
``tracker_outages``); the tracker store, lock store and event broker that endpoints.yml
names; the input channels that credentials.yml names (``channels``); the one HTTP client
of Rasa's API (``rasa_client``) and the reading of its tracker events (``transcripts``,
``rasa_stores``); and the readers of Rasa's event stream (``eventstream``).

May import ``bot.domain``, ``bot.storage`` and ``bot.core``, Rasa and the web, HTTP and
broker libraries; never ``bot.bootstrap``, ``bot.console``, ``bot.ops`` or
``bot.commands`` (they sit above it), nor ``actions``.
"""
