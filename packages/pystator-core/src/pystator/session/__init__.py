"""``EntitySession``: the per-entity stateful wrapper around a stateless ``StateMachine``.

``machine.create(context=...)`` (or ``EntitySession(machine, ...)``) starts one; see
docs/guides/entity-session.md.
"""

from pystator.session.core import MAX_ROUTE_STEPS, EntitySession
from pystator.session.entry import INITIAL_TRIGGER
from pystator.session.snapshot import SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, SnapshotError
from pystator.session.stub import session_class_name, session_stub_source

__all__ = [
    "INITIAL_TRIGGER",
    "MAX_ROUTE_STEPS",
    "SNAPSHOT_FORMAT",
    "SNAPSHOT_FORMAT_VERSION",
    "EntitySession",
    "SnapshotError",
    "session_class_name",
    "session_stub_source",
]
