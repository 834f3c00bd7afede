"""The shipment-event intake over HTTP, on SQLite and PostgreSQL: senders authenticated by
token or HMAC signature, malformed bodies refused naming the problem with nothing stored,
repeats answered as duplicates, and what a customer then sees on tracking."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import func, select

from bot.console.config import ConsoleConfig
from bot.domain.carrier_events.senders import Sender, sign
from bot.domain.shipments import find_shipment
from bot.storage import db
from bot.storage.models import CarrierEventReceipt, Shipment, ShipmentEvent
from tests.console.server import ConsoleServer
from tests.domain.carrier_events.recorded import recorded
from tests.support.rasa_standin import RasaStandIn

SECRETS = {
    "msc": "msc-secret-0123456789abcdef",
    "cathay": "cx-secret-0123456789abcdef",
    "quickexpress": "qx-secret-0123456789abcdef",
}
SENDERS = {
    "msc": Sender("msc", "dcsa", SECRETS["msc"]),
    "cathay": Sender("cathay", "cargo_imp", SECRETS["cathay"]),
    "quickexpress": Sender("quickexpress", "partner", SECRETS["quickexpress"]),
}


@dataclass
class Intake:
    url: str
    database_url: str

    def post(self, sender: str, body: bytes, *, how: str = "token") -> requests.Response:
        headers = {"Content-Type": "text/plain" if sender == "cathay" else "application/json"}
        if how == "token":
            headers["Authorization"] = f"Bearer {SECRETS[sender]}"
        elif how == "signature":
            headers["Notification-Signature"] = sign(SECRETS[sender], body)
        return requests.post(f"{self.url}/events/{sender}", data=body, headers=headers, timeout=30)

    def count(self, model: type) -> int:
        with db.session_scope(db.get_engine(self.database_url)) as session:
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())

    def status(self, number: str) -> str | None:
        with db.session_scope(db.get_engine(self.database_url)) as session:
            view = find_shipment(session, number)
            return None if view is None else view.status


@pytest.fixture
def intake(db_url: str) -> Iterator[Intake]:
    db.upgrade(db_url)
    with RasaStandIn(token="intake-test") as rasa:
        config = ConsoleConfig(db_url, rasa.url, "intake-test", event_senders=SENDERS)
        server = ConsoleServer(config).start()
        try:
            yield Intake(server.url, db_url)
        finally:
            server.stop()


def test_dcsa_events_with_a_signature_are_stored_once(intake: Intake) -> None:
    body = recorded("dcsa_v2_export.json")
    first = intake.post("msc", body, how="signature")
    again = intake.post("msc", body, how="signature")

    assert first.status_code == 200, first.text
    assert (first.json()["applied"], first.json()["created"]) == (4, ["MSCU1234566"])
    assert again.status_code == 200
    assert (again.json()["applied"], again.json()["duplicates"]) == (0, 4)
    assert intake.count(ShipmentEvent) == 3
    assert intake.status("MSCU1234566") == "in_transit"


def test_fsu_text_with_a_token_moves_the_air_shipment(intake: Intake) -> None:
    response = intake.post("cathay", recorded("fsu_hkg_lhr.txt"))

    assert response.status_code == 200, response.text
    assert response.json()["applied"] == 4
    assert intake.status("160-48219371") == "at_hub"


def test_events_posted_out_of_order_from_several_clients_converge(intake: Intake) -> None:
    bodies = [recorded("fsu_delivered_then_late_dep.txt"), recorded("fsu_hkg_lhr.txt")] * 2
    answers: list[int] = []

    def post(body: bytes) -> None:
        answers.append(intake.post("cathay", body).status_code)

    threads = [threading.Thread(target=post, args=(b,)) for b in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200] * 4
    assert intake.status("160-48219371") == "delivered"
    assert (intake.count(ShipmentEvent), intake.count(Shipment)) == (5, 1)


def test_a_partner_batch_keeps_the_unknown_code(intake: Intake) -> None:
    response = intake.post("quickexpress", recorded("partner_batch.json"))

    assert response.status_code == 200, response.text
    assert intake.status("RR123456785HK") == "picked_up"
    assert intake.count(ShipmentEvent) == 2


@pytest.mark.parametrize(
    ("sender", "name", "problem"),
    [
        ("msc", "dcsa_malformed.json", "event 2: eventID is missing"),
        ("cathay", "fsu_malformed.txt", "line 2: '160-4821937HKGLHR/T10K250.0'"),
    ],
)
def test_a_malformed_body_is_refused_naming_the_problem(
    intake: Intake, sender: str, name: str, problem: str
) -> None:
    response = intake.post(sender, recorded(name))

    assert response.status_code == 400
    assert any(p.startswith(problem) for p in response.json()["problems"]), response.text
    assert intake.count(ShipmentEvent) == intake.count(CarrierEventReceipt) == 0


@pytest.mark.parametrize(
    ("how", "error"),
    [
        ("none", "send Authorization: Bearer <token> or a Notification-Signature"),
        ("wrong-token", "the bearer token is not this sender's"),
        ("wrong-signature", "Notification-Signature does not match the body"),
    ],
)
def test_a_request_not_from_the_sender_is_refused(intake: Intake, how: str, error: str) -> None:
    body = recorded("dcsa_v2_export.json")
    headers = {"Content-Type": "application/json"}
    if how == "wrong-token":
        headers["Authorization"] = f"Bearer {SECRETS['cathay']}"
    elif how == "wrong-signature":
        headers["Notification-Signature"] = sign(SECRETS["msc"], body + b" ")
    response = requests.post(f"{intake.url}/events/msc", data=body, headers=headers, timeout=30)

    assert response.status_code == 401
    assert response.json()["error"].startswith(error)
    assert intake.count(ShipmentEvent) == 0


def test_an_unknown_sender_and_an_oversized_body_are_refused(intake: Intake) -> None:
    unknown = requests.post(f"{intake.url}/events/evil", data=b"{}", timeout=30)
    big = intake.post("quickexpress", b"[" + b" " * (1024 * 1024 + 10) + b"]")

    assert unknown.status_code == 404 and "evil" in unknown.json()["error"]
    assert big.status_code == 413
