"""The PyStator durable worker queue: ``submit_event``, the ``worker_events`` table and ``Worker``.

    from pystator_worker import EventQueue, Worker

    queue = EventQueue("postgresql://app@db/app")          # or sqlite:///pystator.db
    event_id = queue.submit_event("order-1", "submit", {"qty": 3}, machine="order")
    Worker({"order": machine}, queue=queue).run_sync()      # what `pystator worker` runs
    queue.get_event(event_id).status                        # EventStatus.DONE

See docs/guides/worker.md.
"""

from pystator_worker._version import __version__
from pystator_worker.machines import load_machines
from pystator_worker.queue import EventQueue, aget_event, asubmit_event, get_event, submit_event
from pystator_worker.records import DeadLetter, EventInfo, EventOutcome, EventStatus, QueueMetrics, WorkerNode
from pystator_worker.worker import Worker, WorkerStats

__all__ = [
    "DeadLetter",
    "EventInfo",
    "EventOutcome",
    "EventQueue",
    "EventStatus",
    "QueueMetrics",
    "Worker",
    "WorkerNode",
    "WorkerStats",
    "__version__",
    "aget_event",
    "asubmit_event",
    "get_event",
    "load_machines",
    "submit_event",
]
