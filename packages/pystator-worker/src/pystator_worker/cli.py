"""``pystator worker``: run the worker, and inspect the queue and its dead letters.

A thin wrapper over ``Worker`` and ``EventQueue``, contributed to the ``pystator`` command through
the ``pystator.cli`` entry point group::

    pystator worker --machines machines/ --concurrency 8     # run until SIGTERM
    pystator worker --machines order.yaml --drain            # until nothing is pending
    pystator worker submit order-1 submit --machine order --payload '{"qty": 3}'
    pystator worker status <event-id>
    pystator worker metrics
    pystator worker dlq list | inspect <id> | replay <id> | discard <id>
    pystator worker purge --older-than 604800

The database is ``--database-url``, else ``PYSTATOR_DATABASE_URL`` (``[database] url``).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Annotated, Any

import typer

from pystator_worker.queue import EventQueue

__all__ = ["app"]

app = typer.Typer(
    help="Run the durable worker queue, and inspect its events and dead letters.",
    no_args_is_help=False,
)
dlq = typer.Typer(help="Dead letters: events that ended failed or dead.", no_args_is_help=True)
app.add_typer(dlq, name="dlq")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url", "-d", help="sqlite:///path or postgresql://...; default: PYSTATOR_DATABASE_URL."
    ),
]


def _queue(url: str | None) -> EventQueue:
    try:
        return EventQueue(url)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--database-url") from exc


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


@app.callback(invoke_without_command=True)
def run(  # noqa: PLR0917 - typer maps parameters to options
    ctx: typer.Context,
    machines: Annotated[
        str | None, typer.Option("--machines", "-m", help="A machine YAML/JSON file or a directory of them.")
    ] = None,
    database_url: DatabaseUrl = None,
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", "-c", min=1, help="Events in flight at once in this process."),
    ] = None,
    default_machine: Annotated[
        str | None, typer.Option("--default-machine", help="Machine of events submitted without one.")
    ] = None,
    drain: Annotated[
        bool, typer.Option("--drain", help="Stop once no event is pending or processing.")
    ] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Events of different entities per transaction.")
    ] = 64,
    retention_days: Annotated[
        float | None, typer.Option("--retention-days", min=0, help="Delete done events older than this.")
    ] = None,
) -> None:
    """Run the worker (with no subcommand): apply queued events until SIGTERM, or until drained."""
    if ctx.invoked_subcommand is not None:
        return
    if machines is None:
        if database_url is None and concurrency is None and default_machine is None and not drain:
            typer.echo(ctx.get_help())  # plain `pystator worker`: show what it can do
            raise typer.Exit(0)
        raise typer.BadParameter("the worker needs machines to apply events to", param_hint="--machines")
    from pystator_worker.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        _queue(database_url).close()  # a clear error for a bad URL before anything starts
        worker = Worker(
            machines,
            database_url=database_url,
            concurrency=concurrency,
            default_machine=default_machine,
            batch_size=batch_size,
            retention=timedelta(days=retention_days) if retention_days is not None else None,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--machines") from exc
    try:
        stats = worker.run_sync(drain=drain, handle_signals=True)
    finally:
        worker.queue.close()
    typer.echo(
        f"worker {worker.worker_id} stopped: applied {stats.applied}, declined {stats.declined}, "
        f"failed {stats.failed}, dead {stats.dead}, retried {stats.retried}, recovered {stats.recovered}"
    )


@app.command()
def submit(  # noqa: PLR0917 - typer maps parameters to options
    entity_id: str,
    trigger: str,
    machine: Annotated[
        str | None, typer.Option("--machine", help="The machine that applies the event.")
    ] = None,
    payload: Annotated[str, typer.Option("--payload", help="The payload as a JSON object.")] = "{}",
    idempotency_key: Annotated[str | None, typer.Option("--idempotency-key")] = None,
    delay: Annotated[float, typer.Option("--delay", min=0, help="Seconds before it may be applied.")] = 0.0,
    database_url: DatabaseUrl = None,
) -> None:
    """Queue one event; prints its event id."""
    try:
        data = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"expected a JSON object: {exc}", param_hint="--payload") from exc
    if not isinstance(data, dict):
        raise typer.BadParameter(f"expected a JSON object, got {type(data).__name__}", param_hint="--payload")
    with _queue(database_url) as queue:
        typer.echo(
            queue.submit_event(
                entity_id, trigger, data, machine=machine, idempotency_key=idempotency_key, delay=delay
            )
        )


@app.command()
def status(event_id: str, database_url: DatabaseUrl = None) -> None:
    """An event's status, attempts, last error and result (exit code 1 when unknown)."""
    with _queue(database_url) as queue:
        info = queue.get_event(event_id)
    if info is None:
        typer.echo(f"no event {event_id!r}", err=True)
        raise typer.Exit(1)
    _print(info.to_dict())


@app.command()
def metrics(
    database_url: DatabaseUrl = None,
    window: Annotated[float, typer.Option("--window", min=1, help="Throughput window in seconds.")] = 60.0,
) -> None:
    """Queue depth by status, lag, throughput and live workers."""
    with _queue(database_url) as queue:
        _print(queue.metrics(window_seconds=window).to_dict())


@app.command()
def purge(
    older_than: Annotated[float, typer.Option("--older-than", min=0, help="Seconds since finishing.")] = 7
    * 86400,
    database_url: DatabaseUrl = None,
) -> None:
    """Delete done events finished longer ago than --older-than seconds."""
    with _queue(database_url) as queue:
        typer.echo(f"deleted {queue.purge(older_than=older_than)} finished events")


@dlq.command("list")
def dlq_list(
    database_url: DatabaseUrl = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    after: Annotated[str | None, typer.Option("--after", help="Event id of the last entry seen.")] = None,
) -> None:
    """Dead letters, oldest first."""
    with _queue(database_url) as queue:
        letters = queue.dead_letters(limit=limit, after=after)
    for letter in letters:
        event = letter.event
        typer.echo(
            f"{event.event_id}  {letter.reason.value:<6}  {event.machine or '-'}  {event.entity_id}  "
            f"{event.trigger}  attempts={letter.attempts}  {letter.error}"
        )


@dlq.command("inspect")
def dlq_inspect(event_id: str, database_url: DatabaseUrl = None) -> None:
    """One dead letter with its event (exit code 1 when there is none)."""
    with _queue(database_url) as queue:
        letter = queue.dead_letter(event_id)
    if letter is None:
        typer.echo(f"no dead letter for event {event_id!r}", err=True)
        raise typer.Exit(1)
    _print(letter.to_dict())


@dlq.command("replay")
def dlq_replay(event_id: str, database_url: DatabaseUrl = None) -> None:
    """Queue a dead-lettered event again (same id, attempts reset)."""
    with _queue(database_url) as queue:
        replayed = queue.replay(event_id)
    if not replayed:
        typer.echo(f"no dead letter for event {event_id!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"replayed {event_id}")


@dlq.command("discard")
def dlq_discard(event_id: str, database_url: DatabaseUrl = None) -> None:
    """Drop a dead letter (the event stays failed/dead)."""
    with _queue(database_url) as queue:
        discarded = queue.discard(event_id)
    if not discarded:
        typer.echo(f"no dead letter for event {event_id!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"discarded {event_id}")
