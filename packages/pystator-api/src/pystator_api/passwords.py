"""Password hashes for ``[api] users`` (``name:hash`` entries): PBKDF2-HMAC-SHA256 from the standard
library, ``pbkdf2_sha256$<iterations>$<salt>$<hash>`` (salt and hash base64url).

``python -m pystator_api.passwords`` reads a password (without echo) and prints its hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["hash_password", "verify_password"]

_SCHEME = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{_SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded``; False for a mismatch or a malformed hash."""
    try:
        scheme, iterations, salt, digest = encoded.split("$")
        if scheme != _SCHEME:
            return False
        computed = hashlib.pbkdf2_hmac("sha256", password.encode(), _unb64(salt), int(iterations))
        return hmac.compare_digest(computed, _unb64(digest))
    except (ValueError, TypeError):
        return False


def main() -> None:  # pragma: no cover - interactive
    import getpass

    print(hash_password(getpass.getpass("password: ")))


if __name__ == "__main__":  # pragma: no cover
    main()
