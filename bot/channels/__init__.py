"""Customer channels on the Rasa server: the web chat page and Telegram.

The exception to "bot/ never imports Rasa": the channel modules here are Rasa input
channels. :mod:`bot.channels.settings`, :mod:`bot.channels.telegram_updates`,
:mod:`bot.channels.telegram_replies` and :mod:`bot.channels.telegram_poll` stay free of
Rasa so the CLI, the runner and the unit tests can use them without loading it.
"""
