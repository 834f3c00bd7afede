"""Customers told when their shipment moves.

:mod:`.subscriptions` stores "tell me when it arrives" / "notify me of any change" /
"stop updates"; :mod:`.outbox` writes the notices a batch of carrier events owes, in that
batch's transaction; :mod:`.delivery` is the worker that sends them (claimed with a
lease, retried across restarts, held in quiet hours unless urgent) and :mod:`.wording`
what the customer reads, in their language.
"""
