"""``Event``: an immutable trigger with its payload, accepted anywhere a trigger string is."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

__all__ = ["Event", "TriggerLike", "split_trigger"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, eq=True)
class Event:
    """A frozen event value.

    Reads of the payload are mapping-style: ``event["qty"]``, ``event.get("qty")``, ``"qty" in event``.
    """

    trigger: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    event_id: UUID = field(default_factory=uuid4)
    timestamp: datetime = field(default_factory=_utc_now)
    source: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.trigger, str) or not self.trigger:
            raise ValueError(f"Event.trigger: expected a non-empty string, got {self.trigger!r}")
        # Own copies, so that mutating the caller's dict never changes a frozen event.
        object.__setattr__(self, "payload", dict(self.payload))
        object.__setattr__(self, "metadata", dict(self.metadata))
        if self.timestamp.tzinfo is None:
            raise ValueError("Event.timestamp: expected a timezone-aware datetime")

    __hash__ = None  # type: ignore[assignment]  # payloads are dicts: events compare, they do not hash

    @classmethod
    def simple(cls, trigger: str, **payload: Any) -> Event:
        return cls(trigger=trigger, payload=payload)

    def get(self, key: str, default: Any = None) -> Any:
        return self.payload.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]

    def __contains__(self, key: object) -> bool:
        return key in self.payload

    def __iter__(self) -> Iterator[str]:
        return iter(self.payload)

    def with_payload(self, **updates: Any) -> Event:
        return replace(self, payload={**self.payload, **updates})

    def with_metadata(self, **updates: Any) -> Event:
        return replace(self, metadata={**self.metadata, **updates})

    def to_dict(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "payload": dict(self.payload),
            "event_id": str(self.event_id),
            "timestamp": self.timestamp.isoformat(),
            "source": self.source,
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        if "trigger" not in data:
            raise ValueError("Event.from_dict: missing required key 'trigger'")
        kwargs: dict[str, Any] = {"trigger": data["trigger"]}
        if data.get("payload") is not None:
            kwargs["payload"] = dict(data["payload"])
        if data.get("event_id") is not None:
            raw_id = data["event_id"]
            kwargs["event_id"] = raw_id if isinstance(raw_id, UUID) else UUID(str(raw_id))
        if data.get("timestamp") is not None:
            raw_ts = data["timestamp"]
            kwargs["timestamp"] = (
                raw_ts if isinstance(raw_ts, datetime) else datetime.fromisoformat(str(raw_ts))
            )
        if data.get("source") is not None:
            kwargs["source"] = str(data["source"])
        if data.get("metadata") is not None:
            kwargs["metadata"] = dict(data["metadata"])
        return cls(**kwargs)


TriggerLike = str | Event


def split_trigger(trigger: TriggerLike) -> tuple[str, Event | None]:
    """Return the trigger name and, when an Event was given, the Event itself."""
    if isinstance(trigger, Event):
        return trigger.trigger, trigger
    return trigger, None
