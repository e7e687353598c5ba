"""Default network ports of the PyStator stack."""

from typing import Final

__all__ = ["API_PORT", "UI_DEV_PORT"]

API_PORT: Final[int] = 8004
UI_DEV_PORT: Final[int] = 3004
