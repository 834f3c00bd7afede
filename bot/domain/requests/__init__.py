"""Customer requests followed up at a promised time: pick-ups, changes to a delivery, copies.

A request gets a reference (``REQ-2026-00042``) and a promise counted in business hours on
the same calendar as complaints (:mod:`bot.domain.service_levels`). Staff work them in the
console; the customer is told the outcome on their channel, in their language.
"""
