"""Human handoff: the queue of conversations handed to people, and an agent's side of them.

``config`` (the settings file agents edit: keywords, canned replies, the wait estimate),
``rules`` (reasons, statuses, the error), ``queue`` (a customer joining it, their place
and wait, reading it), ``views`` (what readers get), ``staff`` (taking a handoff, an
agent's messages and their delivery, finishing), ``wording`` (what the customer is
told) and ``agent_chat`` (what the console does: take over, send, hand back, close,
with the conversation engine behind ``bot.domain.conversations.ConversationControl``).

The KPI timestamps (queue wait, first human response, handling time, per agent) are
written on the handoff row when each thing happens. Every agent message is stored before
it is sent, under an id the console generates, so a retried request neither stores nor
sends it twice, and a failed delivery stays visible to the agent (``failed``) until a
retry gets it through.

Domain code: may import ``bot.domain``, ``bot.storage``, ``bot.core``.
"""
