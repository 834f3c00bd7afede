"""The ground floor: settings read from the environment, and the one loader of the YAML
settings files under ``config/``.

Imports nothing else of the project; every other package may import it.
"""
