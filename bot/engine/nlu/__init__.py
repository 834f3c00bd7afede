"""Rasa NLU components of the project (registered graph components, named in config.yml)."""
