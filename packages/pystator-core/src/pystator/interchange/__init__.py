"""Interchange with other state chart tools: W3C SCXML (import and export) and XState v5 JSON
(export and import)."""

from pystator.interchange.scxml import from_scxml, scxml_to_config, to_scxml

__all__ = ["from_scxml", "scxml_to_config", "to_scxml"]
