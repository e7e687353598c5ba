"""Pydantic v2 models shared by every PyStator package.

- the machine configuration schema (``pystator_contracts.machine``),
- settings read from ``PYSTATOR_*`` environment variables and an optional config file,
- the wire formats exchanged by the API, the worker and the CLI.
"""

from pystator_contracts._version import __version__
from pystator_contracts.codes import ErrorCode

__all__ = ["ErrorCode", "__version__"]
