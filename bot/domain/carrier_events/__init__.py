"""Shipment events from carriers and partners.

Each sending format has one adapter module that turns a message body into
:class:`~bot.domain.carrier_events.model.CarrierEvent` values or raises
:class:`~bot.domain.carrier_events.model.MalformedMessage` naming the problem:
:mod:`.dcsa` (DCSA Track & Trace, ocean), :mod:`.cargo_imp` (IATA Cargo-IMP FSU, air) and
:mod:`.partner_json` (our own JSON for express and postal partners). :mod:`.ingest`
stores them; :mod:`.senders` says who may send and checks their token or signature.
Adding a carrier means one adapter module, its tests, and a line in :data:`.formats.ADAPTERS`.
"""
