"""The PyStator command line: one pystator command for the whole stack."""

from pystator_cli._version import __version__

__all__ = ["__version__"]
