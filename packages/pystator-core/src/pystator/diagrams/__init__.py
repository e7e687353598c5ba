"""Diagrams of a machine: ``to_mermaid`` (Mermaid ``stateDiagram-v2``) and ``to_dot`` (Graphviz).

Both take a ``MachineConfig`` or anything exposing one as ``.config`` (``StateMachine`` does) and
return text. Compound states are nested, parallel regions side by side, guards and ``after:``
delays are written on the edges.
"""

from pystator.diagrams.dot import to_dot
from pystator.diagrams.mermaid import to_mermaid

__all__ = ["to_dot", "to_mermaid"]
