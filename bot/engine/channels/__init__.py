"""Customer channels on the Rasa server: the web chat page and Telegram.

The exception to "bot/ never imports Rasa": the channel modules here are Rasa input
channels. :mod:`bot.engine.channels.settings`, :mod:`bot.engine.channels.telegram_updates`,
:mod:`bot.engine.channels.telegram_replies` and :mod:`bot.engine.channels.telegram_poll`
stay free of Rasa so the CLI, the runner and the unit tests can use them without loading it.
"""
