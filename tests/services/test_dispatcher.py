"""Telling the customer (issue 18.3): outbox events go out by email over SMTP (an aiosmtpd server on a
loopback port) or SMS through the gateway, one message per event, do-not-disturb respected on a
clock the test controls, never twice with two dispatchers racing, and failures end in a queue."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from crm_tui.services import queues
from crm_tui.services.bootstrap import services_over
from crm_tui.services.identity.profile_edit import update_profile
from crm_tui.services.identity.profile_patch import ProfilePatch
from crm_tui.services.identity.registration import register_customer
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.services.lifecycle.termination import terminate_customer
from crm_tui.services.notifications.dispatcher import MAX_ATTEMPTS, dispatch_once
from crm_tui.services.privacy import erasure
from crm_tui.storage.models.orders import ExternalRequest
from crm_tui.storage.models.outbox import OutboxEvent
from crm_tui.storage.models.queues import QueueItem

NOON = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)  # 12:00 in Madrid, a Wednesday


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd's handler API
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


def with_smtp(services, port: int):
    return services_over(
        services.database, services.settings.model_copy(update={"smtp_port": port, "external_timeout": 2.0})
    )


def register(services, csr, n: int, **fields) -> str:
    form = dict(
        cert_type="passport",
        cert_number=f"NT{n:07d}",
        cert_country="FR",
        first_name="Ana",
        last_name="Notificada " + "".join(chr(97 + int(d)) for d in str(n)),
        birthday=f"19{40 + n}-0{1 + n % 9}-1{n % 10}",  # other people: no near match between them
        email=f"ana{n}@example.com",
        service_password="Largo-secreto-9",
        language="es",
    )
    return register_customer(
        RegistrationForm(**(form | fields)), uow=services.writer(), actor=csr, region="ES", now=NOON
    ).customer_id


def statuses(services) -> list[str]:
    with services.reader() as uow:
        return list(uow.session.execute(select(OutboxEvent.status).order_by(OutboxEvent.id)).scalars())


def test_one_email_per_event_in_the_customers_language(services, csr, smtp):
    customer_id = register(services, csr, 1)
    crm = with_smtp(services, smtp.port)
    report = dispatch_once(services=crm, now=NOON)
    assert report.sent == 1 and statuses(services) == ["sent"]
    [(to, content)] = smtp.messages
    assert to == ["ana1@example.com"] and "Bienvenido, Ana" in content and customer_id in content
    assert dispatch_once(services=crm, now=NOON).sent == 0 and len(smtp.messages) == 1


def test_quiet_hours_defer_until_they_end(services, csr, smtp):
    register(services, csr, 2, preferences={"dnd_start": "22:00", "dnd_end": "08:00"})
    crm = with_smtp(services, smtp.port)
    late = datetime(2026, 12, 2, 22, 30, tzinfo=UTC)  # 23:30 in Madrid
    assert dispatch_once(services=crm, now=late).deferred == 1 and smtp.messages == []
    with services.reader() as uow:
        waits = uow.session.execute(select(OutboxEvent.next_attempt_at)).scalar_one()
    assert waits == datetime(2026, 12, 3, 7, 0, tzinfo=UTC)  # 08:00 in Madrid
    assert dispatch_once(services=crm, now=datetime(2026, 12, 3, 6, 59, tzinfo=UTC)).sent == 0
    assert (
        dispatch_once(services=crm, now=datetime(2026, 12, 3, 7, 0, tzinfo=UTC)).sent == 1 and len(smtp.messages) == 1
    )


def test_quiet_days_skip_to_the_next_day(services, csr, smtp):
    register(services, csr, 3, preferences={"dnd_days": "wed"})
    crm = with_smtp(services, smtp.port)
    assert dispatch_once(services=crm, now=NOON).deferred == 1
    assert dispatch_once(services=crm, now=datetime(2026, 12, 2, 23, 0, tzinfo=UTC)).sent == 1  # Thursday in Madrid


def test_two_dispatchers_racing_never_send_twice(services, csr, smtp):
    for n in range(10, 30):
        register(services, csr, n)
    crm = with_smtp(services, smtp.port)
    barrier = threading.Barrier(2)
    reports = []

    def run() -> None:
        barrier.wait()
        reports.append(dispatch_once(services=crm, now=NOON))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(r.sent for r in reports) == 20 and len(smtp.messages) == 20
    assert sorted(to[0] for to, _ in smtp.messages) == sorted(f"ana{n}@example.com" for n in range(10, 30))


def test_an_sms_goes_through_the_gateway_when_there_is_no_email(services, csr):
    register(services, csr, 4, email="", mobile="+34 699 123 456")
    assert dispatch_once(services=services, now=NOON).sent == 1
    with services.reader() as uow:
        [sms] = uow.session.execute(select(ExternalRequest).where(ExternalRequest.operation == "sms")).scalars().all()
    assert sms.payload["to"] == "34699123456" and "Ana" in sms.payload["text"] and sms.idempotency_key == "event-1"


def test_a_mail_server_that_does_not_answer_ends_in_the_queue(services, csr, supervisor):
    register(services, csr, 5)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nobody = probe.getsockname()[1]  # closed again: nothing listens there
    crm = with_smtp(services, nobody)
    moment = NOON
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = dispatch_once(services=crm, now=moment)
        assert (report.failed if attempt == MAX_ATTEMPTS else report.retrying) == 1
        moment = moment.replace(day=moment.day + 1)
    assert statuses(services) == ["failed"]
    with services.reader() as uow:
        [item] = uow.session.execute(select(QueueItem).where(QueueItem.queue == "failed_notifications")).scalars().all()
    assert "not sent after 5 tries" in item.reason
    queues.act_on_item("failed_notifications", item.id, "retry", services=services, actor=supervisor)
    assert statuses(services) == ["pending"]


def _erase(crm, csr, supervisor, customer_id: str) -> dict:
    terminate_customer(customer_id, services=crm, actor=csr, reason="customer_request", archive_consent=False)
    request = erasure.request_erasure(
        customer_id, uow=crm.writer(), actor=csr, requested_by="the customer in person", legal_ground="GDPR art. 17"
    )
    return queues.act_on_item("erasure_requests", request.item_id, "approve", services=crm, actor=supervisor).detail


def test_an_erasure_is_confirmed_by_email_at_once_and_the_address_goes_with_it(services, csr, supervisor, smtp):
    """The confirmation cannot wait in the outbox (it would keep the address): it leaves with the approval."""
    crm = with_smtp(services, smtp.port)
    customer_id = register(services, csr, 7)
    dispatch_once(services=crm, now=NOON)  # the welcome
    smtp.messages.clear()
    report = _erase(crm, csr, supervisor, customer_id)
    assert report["confirmation"] == "sent by email" and report["complete"] is True
    [(to, content)] = smtp.messages
    assert to == ["ana7@example.com"]
    assert "Hemos borrado tus datos personales" in content and "Ana" not in content and customer_id not in content
    with services.reader() as uow:
        event = uow.session.execute(select(OutboxEvent).where(OutboxEvent.event_type == "customer.erased")).scalar_one()
        assert (event.status, event.channel, event.payload) == ("sent", "email", {"confirmation": "sent by email"})
    assert dispatch_once(services=crm, now=NOON).sent == 0  # nothing left to send, nothing sent twice
    assert smtp.messages == [(to, content)]


def test_an_erasure_confirmed_by_sms_leaves_no_number_in_the_gateways_record(services, csr, supervisor):
    customer_id = register(services, csr, 8, email="", mobile="+34 677 111 222")
    report = _erase(services, csr, supervisor, customer_id)
    assert report["confirmation"] == "sent by SMS" and report["complete"] is True
    with services.reader() as uow:
        sms = uow.session.execute(
            select(ExternalRequest).where(ExternalRequest.idempotency_key == f"erasure-{customer_id}")
        ).scalar_one()
    assert sms.payload == {"erased": True}


def test_an_erasure_whose_confirmation_cannot_go_says_so_and_still_completes(services, csr, supervisor):
    closed = with_smtp(services, _free_port())  # nothing listens there
    customer_id = register(services, csr, 9)
    report = _erase(closed, csr, supervisor, customer_id)
    assert report["confirmation"] == "not sent: ConnectionRefusedError" and report["complete"] is True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_changed_email_is_told_at_the_old_address_and_the_new(services, csr, smtp):
    crm = with_smtp(services, smtp.port)
    customer_id = register(services, csr, 11)
    dispatch_once(services=crm, now=NOON)
    smtp.messages.clear()
    update_profile(
        customer_id,
        ProfilePatch(email="ana.nueva@example.com"),
        uow=services.writer(),
        actor=csr,
        region="ES",
        now=NOON,
    )
    assert dispatch_once(services=crm, now=NOON).sent == 1
    told = sorted(to[0] for to, _content in smtp.messages)
    assert told == ["ana.nueva@example.com", "ana11@example.com"]
    assert all("Han cambiado tus datos de contacto" in content for _to, content in smtp.messages)


def test_a_changed_mobile_is_told_by_sms_at_the_old_number(services, csr):
    customer_id = register(services, csr, 12, email="", mobile="+34 699 123 457")
    dispatch_once(services=services, now=NOON)
    update_profile(
        customer_id, ProfilePatch(mobile="+34 699 765 431"), uow=services.writer(), actor=csr, region="ES", now=NOON
    )
    assert dispatch_once(services=services, now=NOON).sent == 1
    with services.reader() as uow:
        sent = uow.session.execute(select(ExternalRequest).where(ExternalRequest.operation == "sms")).scalars().all()
    assert {r.payload["to"] for r in sent[1:]} == {"34699123457", "34699765431"}
