"""Interchange with other state chart tools: W3C SCXML and XState v5 JSON, export and import."""

from pystator.interchange.scxml import from_scxml, scxml_to_config, to_scxml
from pystator.interchange.xstate import from_xstate, to_xstate, xstate_to_config

__all__ = ["from_scxml", "from_xstate", "scxml_to_config", "to_scxml", "to_xstate", "xstate_to_config"]
