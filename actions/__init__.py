"""Rasa custom actions for Freight Desk.

Each module handles one conversation concern and stays thin: parsing, storage and
customer wording live in the ``bot`` package, which knows nothing of Rasa.
"""
