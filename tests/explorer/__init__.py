"""The dialogue explorer: every multi-turn flow, every step, every off-script reply.

A small library for ``tests/e2e/test_explorer.py`` (issue 12). The flows are data
(:mod:`tests.explorer.flows`), the off-script replies are data
(:mod:`tests.explorer.replies`); :mod:`tests.explorer.grid` crosses them and draws the
seeded sample that ``make test`` runs; :mod:`tests.explorer.conversation` plays one case
against a running bot and judges it; :mod:`tests.explorer.report` prints the figures and
writes the findings file.
"""
