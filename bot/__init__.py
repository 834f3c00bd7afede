"""Freight Desk: the customer-service assistant's own code (storage, knowledge base, CLI).

Nothing in this package imports Rasa's action API; `actions/` calls into it.
"""
