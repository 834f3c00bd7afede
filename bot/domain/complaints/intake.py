"""Reading a complaint out of a chat: category, confirmation answers, the summary.

The complaint form collects category, what happened, an optional shipment and a contact,
then shows the summary for the customer to confirm or correct. This module holds the
parsing and wording so the Rasa actions stay thin.

Customers write in English, Traditional Chinese, written Cantonese or Simplified Chinese
(folded to Traditional by :func:`bot.core.i18n.normalise_input` first), so each reading
has the words of both languages. The category stored is always the code ("damaged"),
never the label the customer saw.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.i18n import message, normalise_input, t
from bot.domain.complaints.wording import category_label

# Category codes are bot.domain.service_levels.CATEGORIES' keys; the words are how
# customers say it.
_CATEGORY_WORDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "missed_pickup",
        re.compile(
            r"missed (the |my )?(pick ?-?up|collection)|pick ?-?up (never|didn'?t|did not|was "
            r"missed|failed)|(never|didn'?t|did not) ((came|come|show up) to )?"
            r"(collect|pick (it |them )?up)|no[- ]?show",
            re.I,
        ),
    ),
    (
        "missing_items",
        re.compile(
            r"missing (item|piece|part|box|carton|pallet)s?|(items?|pieces?|parts?|box(es)?"
            r"|cartons?|pallets?) (were |are |is )?missing|incomplete"
            r"|short[- ]shipped|only \d+ of",
            re.I,
        ),
    ),
    (
        "damaged",
        re.compile(r"damag|broken|smashed|crushed|dented|torn|wet|leak|shattered|cracked", re.I),
    ),
    (
        "lost",
        re.compile(
            r"\blost\b|never (arrived|received|delivered)|disappeared|can'?t be found"
            r"|missing (parcel|shipment|package|container)",
            re.I,
        ),
    ),
    (
        "late",
        re.compile(
            r"\blate\b|delay|overdue|still (not|hasn'?t)|taking (too|so) long|slow|past the eta"
            r"|missed (the )?(delivery|deadline)"
            r"|(supposed|meant|due|promised) to (arrive|come|get here|be (here|delivered))"
            r"|should (have|'ve) (arrived|come|got here|been (here|delivered))"
            r"|(ha(s|ve) ?(not|n'?t)|not) (arrived|come|been delivered|here) yet",
            re.I,
        ),
    ),
    (
        "billing",
        re.compile(
            r"bill|invoice|overcharg|charged|refund|fee|payment|price|double[- ]charged", re.I
        ),
    ),
    (
        "staff_conduct",
        re.compile(
            r"rude|staff|driver|courier was|unprofessional|attitude|shout|impolite|behaviou?r", re.I
        ),
    ),
    ("other", re.compile(r"\bother\b|something else", re.I)),
]
# The same, as Hong Kong customers write it (Traditional; Simplified is folded first).
# Order matters as above: a missing carton is not a lost shipment, a late pick-up not a
# late delivery.
_CATEGORY_WORDS_ZH: list[tuple[str, re.Pattern[str]]] = [
    (
        "missed_pickup",
        re.compile(
            r"(冇|沒|無|唔)(人)?(嚟|來|上門|過嚟)?(收件|收貨|取件|取貨|提貨|攞貨|拎貨|pick)"
            r"|(收件|取件|提貨|上門)(失敗|冇人|走數)|放飛機|冇人上門|冇上門|(冇|沒)(人)?(嚟|來|過嚟)(收|攞|拎)"
        ),
    ),
    (
        "missing_items",
        re.compile(
            r"(少|唔見|漏|缺|欠)(咗|了)?(一|兩|二|三|四|五|幾|\d+)?(件|箱|盒|個|板|卡板|包|粒|部)"
            r"|缺件|缺貨|唔齊|不齊|數量(唔|不)(啱|對|符)|短(裝|貨)"
        ),
    ),
    (
        "damaged",
        re.compile(r"損壞|損毀|受損|破損|壞(咗|了|晒)|爛|碎|裂|凹|撞|濕|浸|漏水|刮花|變形|整壞"),
    ),
    (
        "lost",
        re.compile(
            r"遺失|丟失|唔見(咗|了)|失(咗|蹤)|寄失|搵唔到(我|批|件|個)?(貨|件|包裹|嘢)"
            r"|(一直|從來)?(都)?(冇|沒|未)(有)?收到|收唔到"
        ),
    ),
    (
        "late",
        re.compile(
            r"遲|延誤|延遲|誤期|太耐|好耐|好慢|太慢|仲未到|都未到|過咗期|逾期|脫期"
            r"|應該.{0,6}已經(到|送到|送咗)|原本話.{0,8}(到|送)"
        ),
    ),
    (
        "billing",
        re.compile(
            r"收費|帳單|賬單|發票|單據|多收|濫收|收多咗|退款|退錢|扣錢|付款|費用|價錢|重複收"
        ),
    ),
    (
        "staff_conduct",
        re.compile(
            r"態度|無禮|冇禮貌|沒禮貌|粗魯|司機|職員|員工|速遞員|送貨員|快遞員|鬧人|呼喝|黑面"
        ),
    ),
    ("other", re.compile(r"其他|其它|別的")),
]
#: The English labels (also the payloads of the category buttons, in every language).
CATEGORY_LABELS = {
    "damaged": "Damaged goods",
    "lost": "Lost shipment",
    "late": "Late delivery",
    "missing_items": "Missing items",
    "billing": "Billing",
    "staff_conduct": "Staff conduct",
    "missed_pickup": "Missed pick-up",
    "other": "Something else",
}
FIELDS = {
    "category": "complaint_category",
    "what happened": "complaint_description",
    "description": "complaint_description",
    "shipment": "complaint_shipment",
    "tracking": "complaint_shipment",
    "contact": "complaint_contact",
    "email": "complaint_contact",
    "phone": "complaint_contact",
}
FIELDS_ZH = {
    "類別": "complaint_category",
    "類型": "complaint_category",
    "種類": "complaint_category",
    "咩問題": "complaint_category",
    "發生咩事": "complaint_description",
    "經過": "complaint_description",
    "內容": "complaint_description",
    "描述": "complaint_description",
    "詳情": "complaint_description",
    "單號": "complaint_shipment",
    "追蹤號碼": "complaint_shipment",
    "運單": "complaint_shipment",
    "貨件": "complaint_shipment",
    "號碼": "complaint_shipment",
    "聯絡": "complaint_contact",
    "電話": "complaint_contact",
    "電郵": "complaint_contact",
    "email": "complaint_contact",
}
NO_SHIPMENT = "none"
KEEP_CHAT = "this chat"
_NO = re.compile(
    r"^\s*(no|nope|none|n/?a|no number|i don'?t have (one|it)|don'?t have (one|it)|skip"
    r"|not sure)\b",
    re.I,
)
_YES = re.compile(
    r"^\s*(yes|yep|yeah|correct|submit|confirm|that'?s (right|correct)|looks good|ok(ay)?"
    r"|send it)\b",
    re.I,
)
_NO_ZH = re.compile(
    r"^\s*((冇|沒有|沒|無)(?!問題)|唔係|不是|否|唔記得|唔知|唔清楚|唔使|不用|跳過|冇號碼|冇單號|唔啱|不對)"
)
_YES_ZH = re.compile(
    r"^\s*(係|是|好|確認|確定|提交|遞交|冇問題|沒問題|無問題|啱|對|正確|可以|得|交俾|發出|ok)"
)
# A yes in Chinese holds no negation or correction ("好似唔啱" starts with 好 but says
# "seems wrong"); "冇問題" (no problem) and "唔該" (thanks) are not negations.
_NOT_A_NEGATION_ZH = re.compile(r"冇問題|沒問題|無問題|唔該|唔使客氣")
_NEGATION_ZH = re.compile(r"唔|不|沒|冇|無|未|錯|改|等等|等陣")
_CHANGE = re.compile(r"\b(change|edit|correct|fix|update|wrong)\b", re.I)
_CHANGE_ZH = re.compile(r"改|修正|更正|錯|唔啱|不對")
_KEEP_CHAT = re.compile(r"\b(this chat|here|in (the|this) chat|telegram|keep (the )?chat)\b", re.I)
_KEEP_CHAT_ZH = re.compile(
    r"呢度|喺度|這裡|呢個對話|這個對話|對話度|telegram|直接覆|喺.*覆我", re.I
)


def guess_category(text: str) -> str | None:
    """The complaint category a customer's words point to, or None.

    Exact labels (the buttons' titles) and codes win; otherwise the first category whose
    words appear, in an order that puts specific cases (missed pick-up, missing items)
    before general ones (damaged, late).
    """
    text = normalise_input(text)
    cleaned = text.strip().strip("。.!！").lower()
    for code, label in CATEGORY_LABELS.items():
        if cleaned in (code, code.replace("_", " "), label.lower()):
            return code
        if cleaned == category_label(code, "zh"):
            return code
    for code, pattern in _CATEGORY_WORDS:
        if pattern.search(text):
            return code
    for code, pattern in _CATEGORY_WORDS_ZH:
        if pattern.search(text):
            return code
    return None


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def word_count(text: str) -> int:
    """About how many words ``text`` holds, in either language.

    Chinese is written without spaces, so its characters count two to a word (most
    Chinese words have two); everything else is counted by spaces.
    """
    others = [w for w in _HAN.sub(" ", text).split() if any(c.isalnum() for c in w)]
    return len(others) + len(_HAN.findall(text)) // 2


def says_no(text: str) -> bool:
    """True when the answer declines (no shipment number, skip): "no", "冇", "唔記得"."""
    text = normalise_input(text)
    return bool(_NO.search(text) or _NO_ZH.search(text))


def says_yes(text: str) -> bool:
    """True when the answer confirms: "yes", "係", "提交", "冇問題"."""
    text = normalise_input(text)
    if _YES.search(text):
        return True
    return bool(_YES_ZH.search(text)) and not _NEGATION_ZH.search(_NOT_A_NEGATION_ZH.sub("", text))


def wants_to_keep_chat(text: str) -> bool:
    """True when a customer asks to be contacted in this chat rather than by email/phone."""
    text = normalise_input(text)
    return bool(_KEEP_CHAT.search(text) or _KEEP_CHAT_ZH.search(text))


def field_to_change(text: str) -> str | None:
    """Slot name of the field the customer wants to correct ("change the contact", "改電話")."""
    text = normalise_input(text)
    lowered = text.lower()
    if _CHANGE.search(text) or lowered.strip() in FIELDS:
        for word, slot in FIELDS.items():
            if word in lowered:
                return slot
    if _CHANGE_ZH.search(text) or lowered.strip() in FIELDS_ZH:
        for word, slot in FIELDS_ZH.items():
            if word in lowered:
                return slot
    return None


def summary_message(
    *, category: str, description: str, shipment: str | None, contact: str | None, language: str
) -> dict[str, Any]:
    """The summary the customer confirms before the complaint is saved, with its buttons.

    Args:
        category: the category code.
        description: what happened, in the customer's words (cut at 300 characters).
        shipment: the tracking number, or :data:`NO_SHIPMENT`.
        contact: the contact, or :data:`KEEP_CHAT`.
        language: the conversation's language.
    """
    shown = description if len(description) <= 300 else description[:297] + "..."
    return message(
        "complaints.summary",
        language,
        category=category_label(category, language),
        description=shown,
        shipment=shipment
        if shipment and shipment != NO_SHIPMENT
        else t("complaints.summary.no_shipment", language),
        contact=contact
        if contact and contact != KEEP_CHAT
        else t("complaints.summary.this_chat", language),
    )
