"""What the customer is told when the survey is offered and when it ends, in their language.

The words are the catalogue's (``locales/<language>/survey.yml``); the questions are Rasa
responses (``utter_ask_survey_*``).
"""

from __future__ import annotations

from bot.core.i18n import t


def offer_text(
    trigger: str,
    questions: int,
    language: str,
    *,
    complaint: str = "",
    thanked: bool = False,
) -> str:
    """The invitation said before the first question.

    Args:
        trigger: one of :data:`bot.domain.survey.config.TRIGGERS`.
        questions: how many questions will be asked.
        language: the conversation's language.
        complaint: the resolved complaint's reference, after a resolution.
        thanked: the customer just said thanks (so the bot says "you're welcome" first).
    """
    if questions == 1:
        size = t("survey.size.one", language)
    else:
        size = t("survey.size.many", language, count=questions)
    if trigger == "complaint_resolved" and complaint:
        return t("survey.offer.complaint_resolved", language, complaint=complaint, size=size)
    if trigger == "handoff_closed":
        return t("survey.offer.handoff_closed", language, size=size)
    if thanked:
        return t("survey.offer.thanked", language, size=size)
    return t("survey.offer.enquiry", language, size=size)


def ask_again_text(problem: str, language: str) -> str:
    """Asking once more after an answer that could not be read.

    Args:
        problem: :attr:`bot.domain.survey.answers.Answer.problem`, in ``language``.
        language: the conversation's language.
    """
    return t("survey.ask_again", language, problem=problem)


def closing_text(ended: str | None, answered: bool, language: str) -> str:
    """What the bot says when the survey ends.

    Args:
        ended: why it ended early (``skipped``, ``invalid``, ``error``), None when every
            question was answered.
        answered: whether at least one answer was stored.
        language: the conversation's language.
    """
    if ended in ("skipped", "invalid", "error"):
        return t(f"survey.closing.{ended}{'_answered' if answered else ''}", language)
    return t("survey.closing.done", language)
