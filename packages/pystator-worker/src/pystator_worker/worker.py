"""``Worker``: concurrent consumers that apply queued events through the Orchestrator.

Each consumer loops: claim one event (one open transaction), apply it with the machine's
Orchestrator (whose store is the claim: the entity row locked, the state store's commit SQL run on
the claim's connection, the event's status written and committed in the same transaction), then
let the Orchestrator run the actions after that commit. See docs/guides/worker.md.

- Per-entity order: a claim takes only the oldest pending event of an entity, so one entity's
  events apply strictly in submission order and never concurrently; other entities in parallel.
- Errors: a machine that declines an event is a result (``done``, outcome ``rejected``); bad input
  is ``failed`` at once; anything else is retried with exponential backoff and jitter, then ``dead``.
- Leases: an event whose actions are running is ``processing`` under this worker's lease, renewed by
  the heartbeat; when a worker dies, another reclaims it after the lease and finishes its actions.
- Shutdown: ``stop()`` (SIGTERM/SIGINT under ``run()``) lets in-flight events finish and claims
  nothing new.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pystator.actions.result import ActionResult, ActionStatus
from pystator.orchestrator import Orchestrator
from pystator.orchestrator.running import ActionRun, arun_actions, outcomes_of
from pystator.result import ActionSpec
from pystator.stores.records import TransitionRecord
from pystator_worker.backend import Backend, BatchAborted, Claim, ClaimBatch, ProcessingEvent
from pystator_worker.claim_store import ClaimStore, CurrentClaim, current_claim
from pystator_worker.machines import MachineSource, load_machines
from pystator_worker.outcomes import backoff_seconds, describe, is_database_error, is_permanent, judge_result
from pystator_worker.queue import EventQueue
from pystator_worker.records import EventStatus

__all__ = ["Worker", "WorkerStats"]

logger = logging.getLogger("pystator.worker")


@dataclass(slots=True)
class WorkerStats:
    """Counters of one ``Worker`` since it started."""

    applied: int = 0
    declined: int = 0
    failed: int = 0
    retried: int = 0
    dead: int = 0
    recovered: int = 0

    @property
    def processed(self) -> int:
        return self.applied + self.declined + self.failed + self.dead


def _setting(value: Any, default: Any) -> Any:
    return default if value is None else value


class Worker:
    """Apply the events of the queue on ``database_url`` (or ``queue``) to ``machines``.

    ``machines``: a mapping of names to ``StateMachine``, one ``StateMachine``, or a YAML/JSON file or
    directory of them (see ``pystator_worker.machines``). ``default_machine`` takes events submitted
    without a machine (the only machine when there is one). ``orchestrator_options`` go to each
    machine's ``Orchestrator`` (``guards``, ``actions``, ``hooks``, ``context_validator``, ...).
    Unset tuning values come from the ``[worker]`` settings (``PYSTATOR_WORKER_*``).
    ``retention``: ``done`` events finished longer ago are deleted periodically (None keeps them).
    A ``queue`` passed in should allow ``concurrency + 2`` connections (``EventQueue(pool_size=...)``).
    ``batch_size``: events (of different entities) a consumer applies in one transaction on
    PostgreSQL (one claim query and one COMMIT for all of them); SQLite applies one at a time.
    """

    def __init__(
        self,
        machines: MachineSource,
        *,
        database_url: str | None = None,
        queue: EventQueue | None = None,
        default_machine: str | None = None,
        concurrency: int | None = None,
        poll_interval: float | None = None,
        lease_seconds: float | None = None,
        max_attempts: int | None = None,
        backoff_base: float | None = None,
        backoff_max: float | None = None,
        retention: timedelta | None = None,
        orchestrator_options: Mapping[str, Any] | None = None,
        worker_id: str | None = None,
        batch_size: int = 64,
    ) -> None:
        from pystator_contracts.settings import Settings

        settings = Settings.load().worker
        self.machines = load_machines(machines)
        if default_machine is None and len(self.machines) == 1:
            default_machine = next(iter(self.machines))
        if default_machine is not None and default_machine not in self.machines:
            raise ValueError(f"default_machine: {default_machine!r} is not one of {sorted(self.machines)}")
        self.default_machine = default_machine
        self.concurrency = int(_setting(concurrency, settings.concurrency))
        # Each consumer holds a connection for its claim; the heartbeat and reclaimer need one more.
        self.queue = queue if queue is not None else EventQueue(database_url, pool_size=self.concurrency + 2)
        self.poll_interval = float(_setting(poll_interval, settings.poll_interval))
        self.lease_seconds = float(_setting(lease_seconds, settings.lease_seconds))
        self.max_attempts = int(_setting(max_attempts, settings.max_attempts))
        self.backoff_base = float(_setting(backoff_base, settings.backoff_base))
        self.backoff_max = float(_setting(backoff_max, settings.backoff_max))
        self.batch_size = batch_size
        for name, value in (
            ("concurrency", self.concurrency),
            ("max_attempts", self.max_attempts),
            ("batch_size", self.batch_size),
        ):
            if value < 1:
                raise ValueError(f"{name}: expected an integer >= 1, got {value}")
        for name, number in (
            ("poll_interval", self.poll_interval),
            ("lease_seconds", self.lease_seconds),
            ("backoff_base", self.backoff_base),
            ("backoff_max", self.backoff_max),
        ):
            if not number > 0:
                raise ValueError(f"{name}: expected a positive number of seconds, got {number}")
        self.retention = retention
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stats = WorkerStats()
        store = ClaimStore()
        options = dict(orchestrator_options or {})
        self._orchestrators = {
            name: Orchestrator(machine, store, **options) for name, machine in self.machines.items()
        }
        # Without a scheduler nothing happens between the commit and recording the effects, so the
        # COMMIT may wait for that record (one WAL flush per event). Timers must see a real commit.
        self._defer_commit = options.get("scheduler") is None
        self._stopping = asyncio.Event()
        self._running = False
        self._busy = 0
        self._backend: Backend | None = None

    def __repr__(self) -> str:
        return f"Worker({self.worker_id!r}, machines={sorted(self.machines)}, concurrency={self.concurrency})"

    # ------------------------------------------------------------------ running

    def stop(self) -> None:
        """Finish the events in flight, claim nothing new, then return from ``run()``."""
        self._stopping.set()
        if self._backend is not None:
            self._backend.wake()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run_sync(self, *, drain: bool = False, handle_signals: bool = True) -> WorkerStats:
        """``run()`` on a fresh event loop (what ``pystator worker`` calls)."""
        return asyncio.run(self.run(drain=drain, handle_signals=handle_signals))

    async def run(self, *, drain: bool = False, handle_signals: bool = False) -> WorkerStats:
        """Run the consumers until ``stop()`` (or SIGTERM/SIGINT with ``handle_signals``).

        ``drain``: stop by itself once no event is pending or processing any more (delayed events and
        retries waiting for their backoff count as pending).
        """
        if self._running:
            raise RuntimeError(f"{self!r} is already running")
        self._running = True
        self._stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stop)
        backend = await self.queue.backend()
        self._backend = backend
        try:
            await backend.warm_up(self.concurrency)
        except Exception:  # only an optimisation: the consumers open what they need anyway
            logger.exception("warming up the worker's connections failed")
        await backend.register_node(self.worker_id, socket.gethostname(), os.getpid(), self.concurrency)
        keepers = [
            asyncio.create_task(self._heartbeat(backend), name="pystator-worker-heartbeat"),
            asyncio.create_task(self._reclaimer(backend), name="pystator-worker-reclaim"),
        ]
        if self.retention is not None:
            keepers.append(asyncio.create_task(self._retainer(backend), name="pystator-worker-retention"))
        consumers = [
            asyncio.create_task(self._consume(backend, drain), name=f"pystator-worker-consumer-{i}")
            for i in range(self.concurrency)
        ]
        logger.info("worker %s started: %d consumers on %s", self.worker_id, self.concurrency, self.queue)
        try:
            await asyncio.gather(*consumers)
        finally:
            self._stopping.set()
            # Consumers are not cancelled again here: one being cancelled still finishes its cleanup.
            for task in keepers:
                task.cancel()
            await asyncio.gather(*consumers, *keepers, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._beat(backend, stopped=True)
            if handle_signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(sig)
            self._running = False
            logger.info("worker %s stopped: %s", self.worker_id, self.stats)
        return self.stats

    async def _consume(self, backend: Backend, drain: bool) -> None:
        while not self._stopping.is_set():
            try:
                batch = await backend.claim_batch(self.batch_size)
            except Exception:
                logger.exception("claiming events failed; retrying after the poll interval")
                await self._pause(backend)
                continue
            if batch is None:
                if drain and self._busy == 0 and not await backend.has_unfinished():
                    self._stopping.set()
                    backend.wake()
                    return
                await self._pause(backend)
                continue
            if len(batch.claims) >= self.batch_size:
                backend.hint()  # maybe more is ready: let another consumer claim it meanwhile
            self._busy += 1
            try:
                await self.apply_batch(batch)
            finally:
                self._busy -= 1

    async def _pause(self, backend: Backend) -> None:
        if not self._stopping.is_set():
            await backend.wait_for_work(self.poll_interval)

    # ------------------------------------------------------------------ applying events

    async def apply_batch(self, batch: ClaimBatch) -> None:
        """Apply a batch's events in its one transaction, then commit it (always releases it)."""
        done: list[tuple[Claim, str]] = []
        try:
            for claim in batch.claims:
                if not batch.open:  # an event with actions committed early: the rest stay pending
                    break
                try:
                    done.append((claim, await self._apply_in(claim)))
                except Exception:  # the connection is gone: the uncommitted events stay pending
                    logger.exception("event %s could not be applied nor counted", claim.event.event_id)
                    break
        finally:
            try:
                await batch.close()
            except BatchAborted as exc:
                logger.warning("%s; the batch's %d events stay pending", exc, len(done))
            except Exception:
                logger.exception("committing a batch of %d events failed; they stay pending", len(done))
        self._count(done)

    async def apply(self, claim: Claim) -> None:
        """Apply one claimed event, commit it and end its claim (always releases the connection)."""
        try:
            kind = await self._apply_in(claim)
            try:
                await claim.settle()
            except Exception:
                logger.exception("event %s: the commit failed; it stays pending", claim.event.event_id)
        finally:
            await claim.release()
        self._count([(claim, kind)])

    def _count(self, done: list[tuple[Claim, str]]) -> None:
        for claim, kind in done:
            if claim.committed and kind != "aborted":
                setattr(self.stats, kind, getattr(self.stats, kind) + 1)

    async def _apply_in(self, claim: Claim) -> str:
        """Apply one event inside its claim's transaction; returns the ``WorkerStats`` field it counts in."""
        active = CurrentClaim(claim, self.worker_id, self.lease_seconds, self._defer_commit)
        token = current_claim.set(active)
        try:
            return await self._apply(claim, active)
        finally:
            current_claim.reset(token)

    async def _apply(self, claim: Claim, active: CurrentClaim) -> str:
        event = claim.event
        name = event.machine or self.default_machine
        orchestrator = self._orchestrators.get(name) if name else None
        if orchestrator is None:
            known = ", ".join(sorted(self.machines))
            what = f"unknown machine {event.machine!r}" if event.machine else "the event names no machine"
            return await self._end_failed(claim, f"{what}; this worker applies: {known}")
        try:
            result = await orchestrator.async_process_event(
                event.entity_id, event.trigger, dict(event.payload), idempotency_key=f"event:{event.event_id}"
            )
        except Exception as exc:
            if _aborted(exc):  # the batch was rolled back: this event, like the others, stays pending
                return "aborted"
            if active.committed is not None:
                # The transition is written; only after-commit work failed. A processing event is
                # finished by whoever reclaims its lease.
                logger.exception("event %s: after-commit work failed", event.event_id)
                return "applied"
            return await self._on_error(claim, exc)
        if active.committed is not None:
            return "applied"
        verdict, summary = judge_result(result)
        if verdict.retry:
            return await self._retry(claim, verdict.error or "transient failure", rollback=False)
        await claim.finish(verdict.status, outcome=verdict.outcome, error=verdict.error, result=summary)
        return "failed" if verdict.status is EventStatus.FAILED else "declined"

    async def _on_error(self, claim: Claim, exc: Exception) -> str:
        error = describe(exc)
        broken = is_database_error(exc)
        if is_permanent(exc) and not broken:
            try:
                return await self._end_failed(claim, error)
            except Exception:
                logger.exception("event %s: could not record its failure; retrying", claim.event.event_id)
                broken = True
        else:
            logger.warning("event %s: transient error: %s", claim.event.event_id, error)
        return await self._retry(claim, error, rollback=broken)

    async def _end_failed(self, claim: Claim, error: str) -> str:
        await claim.finish(EventStatus.FAILED, outcome=None, error=error, result={})
        return "failed"

    async def _retry(self, claim: Claim, error: str, *, rollback: bool) -> str:
        delay = backoff_seconds(claim.event.attempts + 1, base=self.backoff_base, maximum=self.backoff_max)
        status = await claim.retry(
            error, delay_seconds=delay, max_attempts=self.max_attempts, rollback=rollback
        )
        return "dead" if status is EventStatus.DEAD else "retried"

    # ------------------------------------------------------------------ leases, heartbeat, retention

    async def _beat(self, backend: Backend, *, stopped: bool = False) -> None:
        await backend.heartbeat(
            self.worker_id,
            lease_seconds=self.lease_seconds,
            processed=self.stats.processed,
            failed=self.stats.failed + self.stats.dead,
            stopped=stopped,
        )

    async def _heartbeat(self, backend: Backend) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                await self._beat(backend)
            except Exception:
                logger.exception("worker heartbeat failed")

    async def _reclaimer(self, backend: Backend) -> None:
        while not self._stopping.is_set():
            try:
                await self.recover(backend)
            except Exception:
                logger.exception("reclaiming expired leases failed")
            await asyncio.sleep(max(self.poll_interval, self.lease_seconds / 3))

    async def recover(self, backend: Backend | None = None) -> int:
        """Finish the actions of ``processing`` events whose worker's lease expired; returns how many."""
        backend = backend if backend is not None else await self.queue.backend()
        taken = await backend.reclaim(self.worker_id, self.lease_seconds, 50)
        for event in taken:
            await self._finish_actions(backend, event)
            self.stats.recovered += 1
        return len(taken)

    async def _finish_actions(self, backend: Backend, event: ProcessingEvent) -> None:
        orchestrator = self._orchestrators.get(event.machine or self.default_machine or "")
        record = await backend.load_transition(event.entity_id, event.applied_version)
        if orchestrator is not None and record is not None and record.actions_pending:
            specs, keys, run = _prepared(record)
            entity = await backend.load_entity(event.entity_id)
            context = dict(entity.context) if entity is not None else {}
            await arun_actions(orchestrator.executor, specs, keys, context, run)
            await backend.mark_actions(event.entity_id, event.applied_version, outcomes_of(run))
        elif orchestrator is None:
            logger.error(
                "event %s: machine %r is not loaded; its actions cannot run here",
                event.event_id,
                event.machine,
            )
            return
        await backend.complete(event.event_id, self.worker_id)

    async def _retainer(self, backend: Backend) -> None:
        assert self.retention is not None
        while True:
            try:
                await backend.purge(older_than_seconds=self.retention.total_seconds(), limit=10_000)
            except Exception:
                logger.exception("purging finished events failed")
            await asyncio.sleep(60.0)


def _aborted(error: BaseException) -> bool:
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, BatchAborted):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _prepared(record: TransitionRecord) -> tuple[list[ActionSpec], list[str], ActionRun]:
    """The planned actions of a committed transition, ready to run again with their stable keys."""
    specs = [
        ActionSpec(
            name=action.name,
            params=dict(action.params),
            kind=action.kind,  # type: ignore[arg-type]  # stored from an ActionSpec's kind
            definition=dict(action.definition) if action.definition is not None else None,
            phase=action.phase,  # type: ignore[arg-type]
            state=action.state,
        )
        for action in record.actions
    ]
    keys = [record.action_key(index) for index in range(len(specs))]
    run = ActionRun(len(specs))
    for index, spec in enumerate(specs):
        if spec.kind == "effect":
            run.by_index[index] = [
                ActionResult(spec.name, ActionStatus.SUCCESS, reason="applied in the commit", kind="effect")
            ]
    return specs, keys, run
