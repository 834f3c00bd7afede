"""Answers that lean on what was just said, on the real model and servers: a question
about the shipment just tracked, an account of what happened given where the kind of
problem was asked, "continue" after a question set aside, and a complaint status ask
from a customer without the reference (each found by trying the bot as a customer)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Customer, RunningStack


@pytest.mark.parametrize(
    ("ask", "follow_up", "asks_for_number"),
    [
        ("track {number}", "when will it get there?", "tracking number"),
        ("我件貨去咗邊？{number}", "幾時到呀", "追蹤號碼我"),
    ],
    ids=["en", "zh"],
)
def test_a_question_about_the_shipment_just_tracked_is_answered_for_it(
    customer: Customer,
    demo_shipments: list[dict[str, str]],
    ask: str,
    follow_up: str,
    asks_for_number: str,
) -> None:
    number = demo_shipments[0]["tracking_number"]
    assert number.lower() in customer.reply_text(ask.format(number=number))
    answer = customer.reply_text(follow_up)
    assert number.lower() in answer and asks_for_number not in answer


def test_another_shipment_is_a_new_lookup(
    customer: Customer, demo_shipments: list[dict[str, str]]
) -> None:
    number = demo_shipments[0]["tracking_number"]
    assert number.lower() in customer.reply_text(f"track {number}")
    assert "tracking number" in customer.reply_text("I want to track another parcel")


def test_an_account_at_the_kind_of_problem_is_kept_and_continue_resumes(
    customer: Customer,
) -> None:
    assert "what kind of problem" in customer.reply_text("I want to make a complaint")
    account = "it was supposed to come on monday and nobody told me anything"
    # Late delivery and what happened in one answer: the next question is the shipment.
    assert "tracking number of the shipment" in customer.reply_text(account)
    aside = customer.reply_text("hmm actually what does demurrage mean")
    assert "free time" in aside and "tracking number of the shipment" in aside
    resumed = customer.reply_text("ok continue")
    assert "tracking number of the shipment" in resumed and "stopped" not in resumed
    customer.say("no")
    summary = customer.reply_text("tm.chan@example.com")
    assert "late delivery" in summary and account in summary


def test_in_chinese_continue_resumes_the_form(customer: Customer) -> None:
    assert "邊度出發" in customer.reply_text("我想報價，空運去曼谷")
    assert "邊度出發" in customer.reply_text("FOB係咩意思")
    resumed = customer.reply_text("繼續啦")
    assert "邊度出發" in resumed and "停咗" not in resumed


def test_without_the_reference_a_colleague_is_offered_and_no_means_one_is_asked(
    running_stack: RunningStack,
) -> None:
    stranger = running_stack.customer()
    asked = stranger.reply_text("any news on my complaint?")
    assert "do you have the reference" in asked
    answer = stranger.reply_text("I don't have the reference, sorry")
    assert "a colleague can find your complaint" in answer
    assert "queue" in answer


def test_with_the_reference_to_hand_it_is_asked_for_with_the_contact(
    running_stack: RunningStack,
) -> None:
    stranger = running_stack.customer()
    assert "do you have the reference" in stranger.reply_text("has my complaint been resolved?")
    assert "cmp-2026-00042 name@company.com" in stranger.reply_text("yes")


def test_another_service_after_a_transit_time_is_answered_for_the_same_lane(
    customer: Customer,
) -> None:
    assert "rotterdam" in customer.reply_text("how long does sea freight take to rotterdam")
    air = customer.reply_text("and by air?")
    assert "air freight from hong kong to rotterdam" in air
    assert "didn't quite understand" not in air


def test_in_chinese_another_service_after_a_transit_time_is_answered(
    customer: Customer,
) -> None:
    assert "東京" in customer.reply_text("去東京海運要幾耐")
    air = customer.reply_text("空運呢？")
    assert "東京" in air and "空運" in air


def test_another_service_after_a_price_prices_the_same_shipment(customer: Customer) -> None:
    customer.say("I need a quote for air freight")
    customer.say("Hong Kong")
    customer.say("Singapore")
    customer.say("150 kg")
    priced = customer.reply_text("1 cbm")
    assert "indicative price" in priced and "air freight" in priced
    again = customer.reply_text("what about express?")
    assert "indicative price" in again and "express" in again and "singapore" in again


def test_in_chinese_no_reference_puts_the_customer_through_to_a_colleague(
    running_stack: RunningStack,
) -> None:
    """冇呀 ("no") was read as yes: its 呀 is in many yes examples, its 冇 in 冇問題."""
    stranger = running_stack.customer()
    assert "你有冇投訴編號" in stranger.reply_text("我個投訴而家點樣？")
    answer = stranger.reply_text("冇呀")
    assert "同事核對你嘅身份之後" in answer and "輪候" in answer


def test_in_chinese_having_the_reference_asks_for_it(running_stack: RunningStack) -> None:
    stranger = running_stack.customer()
    assert "你有冇投訴編號" in stranger.reply_text("我之前投訴咗，想知處理成點")
    assert "cmp-2026-00042" in stranger.reply_text("有㗎")
