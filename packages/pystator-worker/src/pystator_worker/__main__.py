"""``python -m pystator_worker``: the ``pystator worker`` command without the ``pystator`` CLI."""

from pystator_worker.cli import app

app(prog_name="pystator worker")
