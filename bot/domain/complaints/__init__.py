"""Complaints: taken with an apology, a reference and a promised follow-up time; worked by staff.

``rules`` (reference, limits, errors), ``severity`` (how serious), ``records`` (taking
one, a customer's own), ``staff`` (assign, note, resolve, the audit trail), ``views``
(what readers get), ``wording`` (what the customer is told), ``intake`` (reading one out
of a chat) and ``followups`` (the worker that keeps the promises). The service levels
they are held to are ``bot.domain.service_levels``, measured in the business hours of
``bot.domain.business_hours``; the ``complaints`` command group is
``bot.commands.complaints``.

Domain code: may import ``bot.domain``, ``bot.storage``, ``bot.core``.
"""
