"""The classes of off-script reply the explorer sends at every step.

One message of every customer intent, each a phrasing written for the explorer (not
copied from ``data/nlu`` or the held-out set; ``tests/e2e/test_explorer.py`` checks
that), then the classes of message no flow expects.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    """One off-script message; ``{tracking}`` becomes a demo tracking number."""

    name: str
    text: str


#: One unseen phrasing per intent of domain.yml that a customer can say.
INTENT_REPLIES: tuple[Reply, ...] = (
    Reply("intent:greet", "hiya, good afternoon freight desk"),
    Reply("intent:goodbye", "ok that's all, cheerio"),
    Reply("intent:thank", "cheers, much appreciated mate"),
    Reply("intent:affirm", "yep that's right"),
    Reply("intent:deny", "no way, that's not it at all"),
    Reply("intent:stop", "forget it, never mind"),
    Reply("intent:bot_challenge", "is this an automated reply or a human typing?"),
    Reply("intent:track_shipment", "can u check where my carton is now"),
    Reply("intent:ask_rates", "what would it cost to move 3 pallets to manila"),
    Reply("intent:ask_transit_time", "how many days does air cargo need to reach dubai"),
    Reply("intent:define_term", "whats the meaning of incoterms"),
    Reply("intent:faq", "do you do customs clearance for imports"),
    Reply("intent:complain", "i am really unhappy with how my delivery was handled"),
    Reply("intent:complaint_status", "any news on the complaint i lodged last week"),
    Reply("intent:request_human", "get me a member of staff on this chat"),
    Reply("intent:out_of_scope", "can you recommend a good dim sum place"),
    Reply("intent:inform", "it's about 45 kilos"),
)

#: Messages of no intent, or of one no step expects.
OTHER_REPLIES: tuple[Reply, ...] = (
    Reply("gibberish", "qwzx plorf vindaloom krrt"),
    Reply("emoji", "🤔🤔📦"),
    Reply("number", "42"),
    Reply("yes", "yes"),
    Reply("no", "no"),
    Reply("cancel", "cancel"),
    Reply("question_mark", "?"),
    Reply("long_5000", ("my goods " * 600)[:5000]),
    Reply("chinese", "請問你們星期六有冇開門？"),
    Reply("tracking_number", "{tracking}"),
)

REPLIES: tuple[Reply, ...] = INTENT_REPLIES + OTHER_REPLIES
