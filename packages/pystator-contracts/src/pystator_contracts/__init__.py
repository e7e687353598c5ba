"""Pydantic v2 models shared by every PyStator package.

- the machine configuration schema (``pystator_contracts.machine``), its validation
  (``pystator_contracts.validation``), normalization (``pystator_contracts.normalize``) and JSON
  Schema (``pystator_contracts.schema``);
- settings read from ``PYSTATOR_*`` environment variables and an optional config file
  (``pystator_contracts.settings``);
- the wire formats exchanged by the API, the worker and the CLI (``pystator_contracts.wire``).

Importing this package is cheap; the submodules above build their Pydantic models when imported.
"""

from pystator_contracts._version import __version__
from pystator_contracts.codes import ErrorCode

__all__ = ["ErrorCode", "__version__"]
