"""KPIs: formulas defined once, targets, reports, the managers' dashboard figures, the
service review, charts and agents' hints, and the survey answers they read.

Domain code: may import ``bot.domain``, ``bot.storage``, ``bot.core``. The conversation
facts come from Rasa's event stream through ``bot.engine.eventstream``; the ``kpi``
command group is ``bot.commands.kpi``.
"""
