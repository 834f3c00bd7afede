"""The classes of off-script reply the explorer sends at every step, in each language.

One message of every customer intent, each a phrasing written for the explorer (not
copied from ``data/nlu`` or the held-out sets; ``tests/e2e/test_explorer.py`` checks
that), then the classes of message no flow expects. A Chinese flow gets the Chinese
replies (Traditional Chinese and written Cantonese), with an English message as its
"other language"; an English flow gets the English ones, with a Chinese message.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    """One off-script message; ``{tracking}`` becomes a demo tracking number.

    ``chooses`` is the language the customer explicitly asks for with this message
    ("can you reply in Chinese"), which every later answer must then be in.
    """

    name: str
    text: str
    chooses: str | None = None


#: One unseen phrasing per intent of domain.yml that a customer can say.
INTENT_REPLIES_EN: tuple[Reply, ...] = (
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
    Reply("intent:switch_language", "could you write to me in chinese from now on", "zh"),
    Reply("intent:subscribe_updates", "ping me the moment it lands please"),
    Reply("intent:stop_updates", "no more shipment alerts for me thanks"),
    Reply("intent:withdraw_marketing_consent", "take me off your promo mailing list"),
)

#: Messages of no intent, or of one no step expects.
OTHER_REPLIES_EN: tuple[Reply, ...] = (
    Reply("gibberish", "qwzx plorf vindaloom krrt"),
    Reply("emoji", "🤔🤔📦"),
    Reply("number", "42"),
    Reply("yes", "yes"),
    Reply("no", "no"),
    Reply("cancel", "cancel"),
    Reply("question_mark", "?"),
    Reply("long_5000", ("my goods " * 600)[:5000]),
    Reply("other_language", "請問你們星期六有冇開門？"),
    Reply("tracking_number", "{tracking}"),
)

#: The same in Traditional Chinese and written Cantonese.
INTENT_REPLIES_ZH: tuple[Reply, ...] = (
    Reply("intent:greet", "哈囉，午安呀"),
    Reply("intent:goodbye", "冇嘢喇，拜拜啦"),
    Reply("intent:thank", "真係多謝晒你呀，幫咗好大忙"),
    Reply("intent:affirm", "啱啱啱，冇錯"),
    Reply("intent:deny", "唔係呀，完全唔係咁"),
    Reply("intent:stop", "算數啦，唔使理喇"),
    Reply("intent:bot_challenge", "你係咪機械人嚟㗎？定係真人覆緊？"),
    Reply("intent:track_shipment", "幫我睇睇我箱嘢而家去到邊"),
    Reply("intent:ask_rates", "寄三板貨去馬尼拉要幾多錢"),
    Reply("intent:ask_transit_time", "空運去杜拜要幾多日先到"),
    Reply("intent:define_term", "Incoterms即係咩嚟"),
    Reply("intent:faq", "你哋有冇幫手搞進口清關"),
    Reply("intent:complain", "我對你哋今次送貨真係好唔滿意"),
    Reply("intent:complaint_status", "我上個禮拜投訴嗰單有冇消息"),
    Reply("intent:request_human", "搵個職員嚟同我傾啦"),
    Reply("intent:out_of_scope", "你可唔可以介紹間好食嘅點心舖"),
    Reply("intent:inform", "大概45公斤左右"),
    Reply("intent:switch_language", "之後可唔可以用英文覆我", "en"),
    Reply("intent:subscribe_updates", "件貨一到步就話我知吖"),
    Reply("intent:stop_updates", "唔使再send貨件更新俾我"),
    Reply("intent:withdraw_marketing_consent", "唔好再寄推廣優惠俾我"),
)

OTHER_REPLIES_ZH: tuple[Reply, ...] = (
    Reply("gibberish", "啪嘞咕嚕叮噹嘭呤"),
    Reply("emoji", "🤔🤔📦"),
    Reply("number", "42"),
    Reply("yes", "係"),
    Reply("no", "唔係"),
    Reply("yes_ok", "好"),
    Reply("no_ok", "唔好"),
    Reply("cancel", "取消"),
    # Full width, as a Chinese keyboard types it.
    Reply("question_mark", "？"),
    Reply("long_5000", ("我嘅貨" * 1700)[:5000]),
    Reply("other_language", "do you open on saturdays?"),
    Reply("tracking_number", "{tracking}"),
)

INTENT_REPLIES = {"en": INTENT_REPLIES_EN, "zh": INTENT_REPLIES_ZH}
REPLIES: dict[str, tuple[Reply, ...]] = {
    "en": INTENT_REPLIES_EN + OTHER_REPLIES_EN,
    "zh": INTENT_REPLIES_ZH + OTHER_REPLIES_ZH,
}
