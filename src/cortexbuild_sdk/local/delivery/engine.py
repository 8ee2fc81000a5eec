"""``DeliveryEngine``: the dispatcher plus the operations the backend's routes call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import attempt as attempt_module
from . import ops, outbox
from .attempt import Outcome
from .dispatcher import WebhookDispatcher
from .errors import WebhookNotFoundError
from .protocols import now_ms


class DeliveryEngine(WebhookDispatcher):
    """Everything the local backend needs for webhooks. Thread-safe; operations block their caller.

    Construct with the same arguments as :class:`WebhookDispatcher`, ``start()`` it with the backend,
    ``close()`` it on shutdown. Inside a larger transaction use :func:`outbox.emit` on that connection and
    call ``notify()`` after the commit; otherwise :meth:`emit` does both.
    """

    def emit(self, *, account_id: int, company_id: str, user_id: str, event: str, data: Mapping[str, Any]) -> str:
        """Record ``event`` for the account's subscribed active webhooks in its own transaction; wake.

        The transaction runs on the caller's thread (handing it to the engine's database thread and back
        cost two thread switches per emit, the bottleneck under load) and goes before the dispatcher's next
        claim or record batch (see :class:`~.gate.WriteGate`).
        """
        with self._gate.urgent(), self.db.write() as conn:
            event_id = outbox.emit(
                conn,
                account_id=account_id,
                company_id=company_id,
                user_id=user_id,
                event=event,
                data=data,
                now_ms=now_ms(self.clock),
            )
        self.notify()
        return event_id

    def send_test(self, webhook_id: int) -> tuple[bool, str | None]:
        """Send ``webhook.test`` now, log it like any attempt; ``(delivered, error)`` for the test route.

        Sent even to a disabled endpoint: the test is how an owner checks it is reachable again.
        """

        async def run() -> tuple[bool, str | None]:
            job = await self._db(self._in_write, ops.prepare_test, webhook_id)
            outcome = await self.send(job)
            await self._db(self._record_sync, [outcome])
            return outcome.succeeded, outcome.error

        return self.run(run, timeout=attempt_module.TIMEOUT + 20)

    def retry_log(self, webhook_id: int, log_id: int) -> dict[str, Any]:
        """Re-send log ``log_id``'s payload now, as a new attempt of the same delivery id; the new log row.

        A success marks the delivery succeeded; a failure leaves its status and schedule unchanged.
        Raises ``WebhookNotFoundError`` / ``LogNotFoundError``.
        """

        async def run() -> dict[str, Any]:
            job = await self._db(self._in_write, ops.prepare_retry, webhook_id, log_id)
            outcome = await self.send(job)
            return await self._db(self._record_and_read, outcome)

        return self.run(run, timeout=attempt_module.TIMEOUT + 20)

    def recover(self, webhook_id: int, since_ms: int) -> int:
        """Re-queue the webhook's failed deliveries created since ``since_ms`` (epoch ms); how many."""
        with self._gate.urgent(), self.db.write() as conn:
            count = ops.requeue_failed(conn, webhook_id, since_ms, now_ms(self.clock))
        if count:
            self.notify()
        return count

    def _in_write(self, fn: Any, *args: Any) -> Any:
        with self._gate.urgent(), self.db.write() as conn:
            return fn(conn, *args, now_ms(self.clock), self._secrets)

    def _record_and_read(self, outcome: Outcome) -> dict[str, Any]:
        (log_id,) = self._record_sync([outcome])
        if not log_id:  # the webhook was deleted while the attempt ran: its result is dropped
            raise WebhookNotFoundError(f"webhook {outcome.job.webhook_id} not found")
        with self.db.read() as conn:
            return ops.log_row(conn, log_id)
