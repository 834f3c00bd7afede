"""How long a message may be: one definition of each rule, for the domain and the channels.

They are not one limit. Who writes the message and where it goes decide its size:

- A customer's message reaches Rasa with at most :data:`CUSTOMER_MESSAGE_CHARS`
  characters on the REST channel (a longer one is refused politely) and on Telegram (cut;
  Telegram itself delivers at most :data:`TELEGRAM_MESSAGE_CHARS`).
- The web chat keeps :data:`WEBCHAT_MESSAGE_CHARS` of a message, what its text box holds.
- An agent's reply from the console is at most :data:`AGENT_MESSAGE_CHARS`; a longer one
  is refused, not cut.
- A message the bot sends on Telegram is split below :data:`TELEGRAM_MESSAGE_CHARS`,
  the Bot API's own limit.

Plain constants, free of Rasa and of the channels' libraries.
"""

from __future__ import annotations

#: Longest customer message passed to Rasa (REST, Telegram): the longest complaint
#: description the store accepts, so a description sent as one message reaches it whole.
CUSTOMER_MESSAGE_CHARS = 20_000
#: Longest web chat message: the page's text box holds this many (``maxlength`` in
#: web/src/index.html) and the channel keeps no more of a longer one.
WEBCHAT_MESSAGE_CHARS = 2000
#: Longest message an agent sends a customer from the console (the reply box's
#: ``maxlength``); the handoff queue refuses a longer one.
AGENT_MESSAGE_CHARS = 2000
#: Telegram Bot API: most characters of text in one message (``sendMessage``).
TELEGRAM_MESSAGE_CHARS = 4096
