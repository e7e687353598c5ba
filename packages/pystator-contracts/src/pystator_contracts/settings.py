"""Runtime settings of the PyStator stack: defaults, an optional ``pystator.cfg``, then environment.

Every key lives in a section and is set the same way everywhere:

- in ``pystator.cfg`` (INI): ``[worker]`` then ``concurrency = 8``;
- in the environment: ``PYSTATOR_<SECTION>_<KEY>``, e.g. ``PYSTATOR_WORKER_CONCURRENCY=8``,
  ``PYSTATOR_DATABASE_URL=postgresql://...``, ``PYSTATOR_FEATURES_INLINE_CODE_ACTIONS=true``.

Environment variables override the file, which overrides the defaults. The file is the one named
by ``config_file``, else by ``PYSTATOR_CONFIG``, else ``pystator.cfg`` in the working directory when
it exists. Lists are comma-separated. An empty environment variable counts as unset. A bad value is
a ``SettingsError`` naming the variable (or file, section and key); an unknown key in the file is an
error, an unknown ``PYSTATOR_*`` variable a ``SettingsWarning`` (other tools may share the prefix;
``PYSTATOR_TEST_*`` belongs to the test suite and is ignored).
"""

from __future__ import annotations

import configparser
import difflib
import os
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError

__all__ = [
    "ApiSettings",
    "env_var",
    "CONFIG_FILE_ENV",
    "DEFAULT_CONFIG_FILE",
    "DatabaseSettings",
    "ENV_PREFIX",
    "FeatureSettings",
    "LoggingSettings",
    "RedisSettings",
    "SchedulerSettings",
    "SettingKey",
    "Settings",
    "SettingsError",
    "SettingsWarning",
    "UiSettings",
    "WorkerSettings",
]

ENV_PREFIX = "PYSTATOR_"
CONFIG_FILE_ENV = "PYSTATOR_CONFIG"
# Variables with these prefixes belong to other tools (the test suite's server addresses).
_FOREIGN_PREFIXES = ("PYSTATOR_TEST_",)
DEFAULT_CONFIG_FILE = "pystator.cfg"


class SettingsError(ValueError):
    """Settings could not be loaded; ``errors`` lists every problem, each naming where it came from."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("invalid settings:\n" + "\n".join(errors))
        self.errors = list(errors)


class SettingsWarning(UserWarning):
    """A ``PYSTATOR_*`` environment variable that names no setting (probably a typo)."""


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.replace("\n", ",").split(",") if item.strip()]
    return value


StrList = Annotated[tuple[str, ...], BeforeValidator(_split_list)]
SecretList = Annotated[tuple[SecretStr, ...], BeforeValidator(_split_list)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    section: ClassVar[str]


class DatabaseSettings(_Section):
    section = "database"

    url: str = "sqlite:///./pystator.db"
    """SQLAlchemy-style URL of the database holding machines, entities, history and the queue."""
    pool_size: int = Field(default=5, ge=1)
    """Connections kept open per process (PostgreSQL)."""
    echo: bool = False
    """Log every SQL statement (debugging only)."""


class RedisSettings(_Section):
    section = "redis"

    url: str | None = None
    """Redis URL (redis://host:6379/0); unset means no Redis: everything runs on the database."""
    key_prefix: str = "pystator:"
    """Prefix of every key PyStator writes, so several deployments can share one server."""


class ApiSettings(_Section):
    section = "api"

    host: str = "127.0.0.1"
    """Interface the API server binds to."""
    port: int = Field(default=8004, ge=1, le=65535)
    """Port the API server listens on."""
    auth_secret: SecretStr | None = None
    """Secret that signs login tokens (JWT); unset disables login."""
    keys: SecretList = ()
    """API keys accepted in the X-API-Key header (comma-separated); none means no key is required."""
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    """Largest request body accepted, in bytes."""
    cors_origins: StrList = ()
    """Origins allowed to call the API from a browser (comma-separated)."""
    users: SecretList = ()
    """Users who may log in, as ``name:password-hash`` entries (comma-separated); make a hash with
    ``python -m pystator_api.passwords``. Login needs ``auth_secret`` too."""
    token_ttl_seconds: int = Field(default=3600, ge=60, le=2_592_000)
    """Lifetime of a login token (JWT), in seconds."""


class WorkerSettings(_Section):
    section = "worker"

    concurrency: int = Field(default=4, ge=1, le=1024)
    """Events processed at once by one worker process."""
    poll_interval: float = Field(default=1.0, gt=0)
    """Seconds between polls of the queue when it is idle."""
    lease_seconds: float = Field(default=30.0, gt=0)
    """How long a claim on an event lasts before another worker may take it over."""
    max_attempts: int = Field(default=5, ge=1)
    """Attempts before an event goes to the dead-letter table."""
    backoff_base: float = Field(default=1.0, gt=0)
    """Seconds before the first retry; doubles with each further attempt."""
    backoff_max: float = Field(default=300.0, gt=0)
    """Longest wait between two attempts, in seconds."""


class SchedulerSettings(_Section):
    section = "scheduler"

    backend: Literal["auto", "asyncio", "database", "redis", "celery"] = "auto"
    """Where delayed transitions wait: auto (redis when [redis] url is set, else the database),
    asyncio (in memory, lost on exit), database, redis or celery."""


class FeatureSettings(_Section):
    section = "features"

    inline_code_actions: bool = False
    """Run code: actions from machine configs. Config authors then run arbitrary Python: enable only
    when they are trusted code authors (this is not a sandbox)."""
    http_actions: bool = True
    """Run http: actions from machine configs."""


class UiSettings(_Section):
    section = "ui"

    enabled: bool = True
    """Serve the web UI from the API server."""
    dir: str | None = None
    """Directory of a built UI to serve instead of the bundled one."""


class LoggingSettings(_Section):
    section = "logging"

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    """Log level of the PyStator services."""
    json_format: bool = False
    """Write logs as JSON lines."""


@dataclass(frozen=True)
class SettingKey:
    """One documented key: section, key, environment variable, default and description."""

    section: str
    key: str
    env_var: str
    default: str
    description: str


_SECTIONS: dict[str, type[_Section]] = {
    cls.section: cls
    for cls in (
        DatabaseSettings,
        RedisSettings,
        ApiSettings,
        WorkerSettings,
        SchedulerSettings,
        FeatureSettings,
        UiSettings,
        LoggingSettings,
    )
}


class Settings(BaseModel):
    """All settings; ``Settings.load()`` reads them (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    features: FeatureSettings = Field(default_factory=FeatureSettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    @classmethod
    def load(
        cls,
        env: Mapping[str, str] | None = None,
        config_file: str | os.PathLike[str] | None = None,
        *,
        cwd: str | os.PathLike[str] | None = None,
    ) -> Settings:
        """Defaults, then the config file (if any), then ``PYSTATOR_*`` variables of ``env``
        (``os.environ`` by default). ``cwd`` is where ``pystator.cfg`` is looked for."""
        env = os.environ if env is None else env
        raw: dict[str, dict[str, str]] = {}
        origin: dict[tuple[str, str], str] = {}
        errors: list[str] = []
        path = _config_path(env, config_file, cwd)
        if path is not None:
            _read_file(path, raw, origin, errors)
        _read_env(env, raw, origin)
        if errors:
            raise SettingsError(errors)
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise SettingsError(_describe(exc, raw, origin)) from None

    @staticmethod
    def keys() -> list[SettingKey]:
        """Every key, in section order, for documentation and ``pystator.cfg.example``."""
        return list(_iter_keys())


def _iter_keys() -> Iterator[SettingKey]:
    for section, model in _SECTIONS.items():
        for key, field in model.model_fields.items():
            default = field.get_default(call_default_factory=True)
            shown = "" if default is None else _default_text(default)
            description = " ".join((field.description or "").split())
            yield SettingKey(section, key, env_var(section, key), shown, description)


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def env_var(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section}_{key}".upper()


_ENV_KEYS = {
    env_var(section, key): (section, key) for section, m in _SECTIONS.items() for key in m.model_fields
}


def _config_path(
    env: Mapping[str, str], config_file: str | os.PathLike[str] | None, cwd: str | os.PathLike[str] | None
) -> Path | None:
    if config_file is not None:
        return Path(config_file)
    if env.get(CONFIG_FILE_ENV):
        return Path(env[CONFIG_FILE_ENV])
    candidate = Path(cwd if cwd is not None else Path.cwd()) / DEFAULT_CONFIG_FILE
    return candidate if candidate.is_file() else None


def _read_file(
    path: Path, raw: dict[str, dict[str, str]], origin: dict[tuple[str, str], str], errors: list[str]
) -> None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except OSError as exc:
        errors.append(f"{path}: cannot read the settings file: {exc.strerror or exc}")
        return
    except configparser.Error as exc:
        errors.append(f"{path}: not a valid INI file: {exc.message if hasattr(exc, 'message') else exc}")
        return
    for section in parser.sections():
        model = _SECTIONS.get(section)
        if model is None:
            errors.append(f"{path}: unknown section [{section}]{_hint(section, _SECTIONS, '[{}]')}")
            continue
        for key, value in parser.items(section):
            if key not in model.model_fields:
                errors.append(
                    f"{path} [{section}] {key}: unknown key{_hint(key, model.model_fields, '{!r}')}"
                )
                continue
            raw.setdefault(section, {})[key] = value
            origin[(section, key)] = f"{path} [{section}] {key}"


def _read_env(
    env: Mapping[str, str], raw: dict[str, dict[str, str]], origin: dict[tuple[str, str], str]
) -> None:
    for name, value in env.items():
        upper = name.upper()
        if (
            not upper.startswith(ENV_PREFIX)
            or upper == CONFIG_FILE_ENV
            or upper.startswith(_FOREIGN_PREFIXES)
        ):
            continue
        target = _ENV_KEYS.get(upper)
        if target is None:
            warnings.warn(
                f"{name} is not a PyStator setting{_hint(upper, _ENV_KEYS, '{}')}",
                SettingsWarning,
                stacklevel=3,
            )
            continue
        if value == "":
            continue
        section, key = target
        raw.setdefault(section, {})[key] = value
        origin[(section, key)] = name


def _hint(word: str, candidates: Any, form: str) -> str:
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {form.format(matches[0])}?)" if matches else ""


def _describe(
    exc: ValidationError, raw: dict[str, dict[str, str]], origin: dict[tuple[str, str], str]
) -> list[str]:
    problems: list[str] = []
    for detail in exc.errors(include_url=False):
        loc = [str(part) for part in detail["loc"]]
        section, key = [*loc, "", ""][:2]
        where = origin.get((section, key), f"[{section}] {key}")
        value = raw.get(section, {}).get(key)
        message = detail["msg"]
        if detail["type"] in ("value_error", "assertion_error"):
            message = str((detail.get("ctx") or {}).get("error", message))
        problems.append(f"{where}: {message[0].lower()}{message[1:]}, got {value!r}")
    return problems
