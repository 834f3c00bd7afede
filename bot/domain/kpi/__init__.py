"""KPI store and reports: survey answers, conversation facts from Rasa's events, KPI
formulas, targets and the ``kpi`` command group."""
