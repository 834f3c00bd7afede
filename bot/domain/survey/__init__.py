"""The satisfaction survey: settings, reading answers, what the customer is told, who
may be asked, and the offers.

``config`` (``config/survey.yml``: which questions, after what, the cool-down),
``answers`` (reading a typed or tapped answer), ``wording`` (the invitation and the
closing words) and ``offers`` (who may be asked, recording an offer, and
:class:`~bot.domain.survey.offers.SurveyInviter`, which asks the conversation engine to
make one).

The survey is offered after an agent closes a handoff, after a resolved complaint's
outcome reached the customer, and when a customer says thanks or goodbye after the bot
answered an enquiry. A customer is asked at most once per cool-down (24 hours), decided
from ``survey_responses`` so every process and replica agrees.

Questions (which ones run, in which order: ``config/survey.yml``):

- ``csat``: satisfaction, 1 (very dissatisfied) to 5 (very satisfied);
- ``fcr``: "was your issue resolved?", yes or no (first-contact resolution);
- ``ces``: customer effort, 1 (very difficult) to 5 (very easy), so higher is better,
  as for the other scales;
- ``nps``: likelihood to recommend, 0 to 10;
- ``comment``: free text, optional.

Domain code: may import ``bot.domain``, ``bot.storage``, ``bot.core``.
"""
