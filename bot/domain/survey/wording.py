"""What the customer is told when the survey is offered and when it ends."""

from __future__ import annotations


def offer_text(trigger: str, questions: int, *, complaint: str = "", thanked: bool = False) -> str:
    """The invitation said before the first question.

    Args:
        trigger: one of :data:`bot.domain.survey.config.TRIGGERS`.
        questions: how many questions will be asked.
        complaint: the resolved complaint's reference, after a resolution.
        thanked: the customer just said thanks (so the bot says "you're welcome" first).
    """
    size = "one quick question" if questions == 1 else f"{questions} quick questions"
    ask = f"could you tell us how we did? It's {size}; tap Skip at any time if you'd rather not."
    if trigger == "complaint_resolved" and complaint:
        return f"Now that {complaint} is resolved, {ask}"
    if trigger == "handoff_closed":
        return f"Before you go, {ask}"
    if thanked:
        return f"You're welcome! Before you go, {ask}"
    return f"One more thing before you go: {ask}"


def closing_text(ended: str | None, answered: bool) -> str:
    """What the bot says when the survey ends.

    Args:
        ended: why it ended early (``skipped``, ``invalid``, ``error``), None when every
            question was answered.
        answered: whether at least one answer was stored.
    """
    if ended == "skipped":
        if answered:
            return "No problem, I've kept the answers you gave. Thank you for your time!"
        return "No problem, no survey. Thank you for contacting Freight Desk!"
    if ended == "invalid":
        kept = " The answers you gave are kept." if answered else ""
        return (
            "Sorry, I still couldn't read that as an answer, so I'll stop the survey here."
            f"{kept} Thank you for your time! If you need anything else, just ask."
        )
    if ended == "error":
        kept = " The answers you gave before are kept." if answered else ""
        return (
            "Sorry, I couldn't save that answer just now, so I'll stop the survey here."
            f"{kept} Thank you for your time!"
        )
    return "Thank you for your feedback, it helps us improve. If you need anything else, just ask."
