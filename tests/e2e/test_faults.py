"""Faults end to end on a stack of their own: the action server stopped and started again,
the Rasa server restarted in the middle of a complaint, the project database cut while a
complaint is submitted, and the tracker store cut in the middle of a complaint.

The stack here is separate from the session's ``running_stack`` (other tests keep theirs
running) and its project database is a fresh PostgreSQL database reached through a
:class:`CuttableProxy`, so an outage is this stack's alone: the shared PostgreSQL is never
stopped. The tracker store (the project's own settings from endpoints.yml) is on
PostgreSQL too, behind a second proxy.
"""

from __future__ import annotations

import os
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import requests
import yaml
from psycopg2 import sql
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.core.settings import REPO_ROOT
from bot.ops.stack import Stack, free_port, latest_model, prepare_database
from bot.storage import db
from bot.storage.models import Complaint, Handoff, Shipment
from tests.conftest import PG_ADMIN_URL
from tests.e2e.conftest import TOKEN, Customer
from tests.support.tcp_proxy import CuttableProxy

REFERENCE = re.compile(r"cmp-\d{4}-\d{5}")
APOLOGY = "technical problem"
SERVICE_PHONE = "+852 2345 6789"


@dataclass
class FaultStack:
    """A stack whose servers and database path the tests may break."""

    stack: Stack
    proxy: CuttableProxy  # to the project database
    tracker_proxy: CuttableProxy  # to the tracker store's database
    database_url: str  # direct, for the tests' own checks
    var_dir: Path

    def customer(self) -> Customer:
        return Customer(self.stack.url, f"fault-{uuid.uuid4().hex[:12]}")

    def tracker(self, sender: str) -> dict[str, Any]:
        response = requests.get(
            f"{self.stack.url}/conversations/{sender}/tracker",
            params={"token": TOKEN},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def log(self, name: str) -> str:
        return (self.var_dir / "logs" / f"{name}.log").read_text(errors="replace")

    def complaints(self, sender: str) -> list[Complaint]:
        with db.session_scope(db.get_engine(self.database_url)) as session:
            rows = session.execute(select(Complaint).where(Complaint.sender_id == sender))
            return list(rows.scalars().all())


def _admin() -> psycopg2.extensions.connection:
    url = make_url(PG_ADMIN_URL)
    connection = psycopg2.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname=url.database or "postgres",
        connect_timeout=5,
    )
    connection.autocommit = True
    return connection


@pytest.fixture(scope="module")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    """Action server + Rasa on free ports; the project database and the tracker store on
    PostgreSQL, each through its own proxy."""
    names = [f"freightdesk_t_{secrets.token_hex(6)}" for _ in range(2)]
    admin = _admin()
    proxies: list[CuttableProxy] = []
    stack: Stack | None = None
    try:
        with admin.cursor() as cursor:
            for name in names:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        project, tracker = (make_url(PG_ADMIN_URL).set(database=name) for name in names)
        proxies = [CuttableProxy(project.host or "127.0.0.1", project.port or 5432).start()]
        proxies.append(CuttableProxy(tracker.host or "127.0.0.1", tracker.port or 5432).start())
        direct_url = project.render_as_string(hide_password=False)
        proxied_url = project.set(port=proxies[0].port).render_as_string(hide_password=False)
        var_dir = tmp_path_factory.mktemp("fault-stack")
        # The project's own tracker store settings, on PostgreSQL behind the second proxy.
        endpoints = yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text())
        endpoints["tracker_store"] = {
            **endpoints["tracker_store"],
            "dialect": "postgresql",
            "url": "127.0.0.1",  # Rasa's name for the SQL store's host
            "port": proxies[1].port,
            "db": tracker.database,
            "username": tracker.username,
        }
        # The SQL event broker's file in this stack's own folder, not the repository's var/.
        endpoints["event_broker"] = {**endpoints["event_broker"], "db": str(var_dir / "events.db")}
        (var_dir / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
        stack = Stack(
            model=latest_model(REPO_ROOT / "models"),
            rasa_port=free_port(),
            action_port=free_port(),
            env={
                **os.environ,
                "DATABASE_URL": proxied_url,
                "FREIGHTDESK_VAR_DIR": str(var_dir),
                "RASA_TOKEN": TOKEN,
            },
            endpoints=var_dir / "endpoints.yml",
            log_dir=var_dir / "logs",
            token=TOKEN,
            # Loading the model takes 30-40 s on an idle machine, far longer on a busy one.
            start_timeout=600,
        )
        prepare_database(direct_url)
        stack.start()
        yield FaultStack(stack, proxies[0], proxies[1], direct_url, var_dir)
    finally:
        if stack is not None:
            stack.stop()
        for proxy in proxies:
            proxy.stop()
        db.dispose_engines()
        with admin.cursor() as cursor:
            for name in names:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        admin.close()


@pytest.fixture(scope="module")
def shipment(fault_stack: FaultStack) -> tuple[str, str]:
    """A seeded demo shipment: (tracking number, where it is), lower-cased."""
    with db.session_scope(db.get_engine(fault_stack.database_url)) as session:
        row = session.execute(select(Shipment).limit(1)).scalar_one()
        return row.tracking_number.lower(), row.last_location.lower()


def test_action_server_down_gets_an_apology_and_a_person_then_the_conversation_goes_on(
    fault_stack: FaultStack, shipment: tuple[str, str]
) -> None:
    number, location = shipment
    tracking, wants_person = fault_stack.customer(), fault_stack.customer()
    assert "hello" in tracking.reply_text("hi")

    fault_stack.stack.stop_server("actions")
    try:
        messages = tracking.say(f"where is my shipment {number}?")
        texts = [m.get("text") or "" for m in messages]
        # Never silence: one apology (however many actions failed), a phone number and
        # the offer of a person, with a button for it.
        assert sum(APOLOGY in t for t in texts) == 1, texts
        assert SERVICE_PHONE in " ".join(texts)
        buttons = [b for m in messages for b in m.get("buttons") or []]
        assert {"title": "Talk to a person", "payload": "/request_human"} in buttons
        assert APOLOGY in wants_person.reply_text("what does FOB mean?")
        log = fault_stack.log("rasa")
        assert "FAULT: custom action" in log and tracking.sender in log
    finally:
        fault_stack.stack.restart_server("actions")

    # Back: the next message is answered normally.
    reply = tracking.reply_text(f"where is my shipment {number}?")
    assert number in reply and location in reply and APOLOGY not in reply
    # The other customer accepts the offer of a person made during the outage.
    assert "queue" in wants_person.reply_text("yes")
    with db.session_scope(db.get_engine(fault_stack.database_url)) as session:
        queued = session.execute(
            select(Handoff).where(Handoff.sender_id == wants_person.sender)
        ).scalars()
        assert len(list(queued)) == 1


def test_rasa_restarted_mid_complaint_continues_from_the_tracker(
    fault_stack: FaultStack,
) -> None:
    customer = fault_stack.customer()
    assert "what kind of problem" in customer.reply_text("I want to make a complaint")
    assert "what happened" in customer.reply_text("Late delivery")

    started = time.monotonic()
    fault_stack.stack.stop_server("rasa")
    fault_stack.stack.restart_server("rasa")
    restart_s = time.monotonic() - started

    # The same form, the same question, the answers so far kept.
    described = "The parcel was due on Monday and it still has not arrived a week later."
    assert "tracking number" in customer.reply_text(described), f"restart took {restart_s:.0f} s"
    tracker = fault_stack.tracker(customer.sender)
    assert tracker["active_loop"]["name"] == "complaint_form"
    assert tracker["slots"]["complaint_category"] == "late"
    assert tracker["slots"]["complaint_description"] == described
    assert "email address or phone" in customer.reply_text("no")
    summary = customer.reply_text("jo.chan@example.com")
    assert "late delivery" in summary and described.lower() in summary
    assert REFERENCE.search(customer.reply_text("yes"))
    assert len(fault_stack.complaints(customer.sender)) == 1


def test_complaint_submitted_while_the_database_is_down_gets_no_reference_then_saves_once(
    fault_stack: FaultStack,
) -> None:
    customer = fault_stack.customer()
    customer.say("I want to make a complaint")
    customer.say("Missing items")
    customer.say("Two of the five cartons were missing when the delivery arrived.")
    customer.say("no")
    assert "missing items" in customer.reply_text("+852 9123 4567")

    fault_stack.proxy.cut()
    try:
        reply = customer.reply_text("yes, submit it")
        # Honest: not saved, no reference, how to retry and how to reach a person.
        assert "couldn't save your complaint" in reply and "nothing has been recorded" in reply
        assert not REFERENCE.search(reply) and SERVICE_PHONE in reply
        assert "FAULT: could not save a confirmed complaint" in fault_stack.log("actions")
    finally:
        fault_stack.proxy.restore()
    assert fault_stack.complaints(customer.sender) == []

    messages = customer.say("yes")
    receipt = "\n".join(m.get("text") or "" for m in messages).lower()
    assert REFERENCE.search(messages[0]["text"].lower()), receipt
    # Answered once, in that turn: no clarifying fallback after the receipt.
    assert "understand" not in receipt and len(messages) <= 2, receipt
    saved = fault_stack.complaints(customer.sender)
    assert len(saved) == 1
    assert saved[0].category == "missing_items"
    assert saved[0].description == "Two of the five cartons were missing when the delivery arrived."
    # A further "yes" has nothing left to submit.
    customer.say("yes")
    assert len(fault_stack.complaints(customer.sender)) == 1


def test_tracker_store_down_mid_complaint_is_said_and_the_form_continues_after(
    fault_stack: FaultStack,
) -> None:
    customer = fault_stack.customer()
    assert "what kind of problem" in customer.reply_text("I want to make a complaint")
    assert "what happened" in customer.reply_text("Damaged goods")
    described = "The carton was crushed on one side and the lamp inside is broken."

    fault_stack.tracker_proxy.cut()
    try:
        reply = customer.reply_text(described)
        # Not an empty conversation (a greeting, a fallback, the category question again).
        assert "can't reach our conversation records" in reply and SERVICE_PHONE in reply
        assert "what kind of problem" not in reply and "understand" not in reply
        assert "FAULT: tracker store" in fault_stack.log("rasa")
    finally:
        fault_stack.tracker_proxy.restore()

    assert "tracking number" in customer.reply_text(described)
    tracker = fault_stack.tracker(customer.sender)
    assert tracker["slots"]["complaint_category"] == "damaged"
    assert tracker["slots"]["complaint_description"] == described
