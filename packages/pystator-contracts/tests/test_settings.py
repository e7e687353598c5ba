"""Settings: defaults, ``pystator.cfg``, ``PYSTATOR_*`` variables (which win), and errors that name
the variable or the file, section and key; every key is documented."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from pystator_contracts.settings import Settings, SettingsError, SettingsWarning, env_var


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_run_everything_on_sqlite(tmp_path: Path) -> None:
    settings = Settings.load(env={}, cwd=tmp_path)
    assert settings.database.url == "sqlite:///./pystator.db"
    assert settings.redis.url is None
    assert settings.api.port == 8004
    assert settings.features.inline_code_actions is False
    assert settings.scheduler.backend == "auto"
    assert settings == Settings()


def test_environment_variables_set_any_key(tmp_path: Path) -> None:
    env = {
        "PYSTATOR_DATABASE_URL": "postgresql://db/pystator",
        "PYSTATOR_REDIS_URL": "redis://cache:6379/0",
        "PYSTATOR_API_PORT": "9000",
        "PYSTATOR_API_KEYS": "k1, k2,,k3",
        "PYSTATOR_API_AUTH_SECRET": "s3cret",
        "PYSTATOR_WORKER_CONCURRENCY": "16",
        "PYSTATOR_WORKER_POLL_INTERVAL": "0.25",
        "PYSTATOR_FEATURES_INLINE_CODE_ACTIONS": "true",
        "PYSTATOR_SCHEDULER_BACKEND": "redis",
        "PYSTATOR_LOGGING_LEVEL": "DEBUG",
        "HOME": "/root",
    }
    settings = Settings.load(env=env, cwd=tmp_path)
    assert settings.database.url == "postgresql://db/pystator"
    assert settings.redis.url == "redis://cache:6379/0"
    assert settings.api.port == 9000
    assert [k.get_secret_value() for k in settings.api.keys] == ["k1", "k2", "k3"]
    assert settings.api.auth_secret is not None
    assert settings.api.auth_secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    assert settings.worker.concurrency == 16
    assert settings.worker.poll_interval == 0.25
    assert settings.features.inline_code_actions is True
    assert settings.scheduler.backend == "redis"
    assert settings.logging.level == "DEBUG"


def test_the_file_sets_keys_and_the_environment_overrides_it(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "custom.cfg",
        "[database]\nurl = postgresql://from-file\n\n[worker]\nconcurrency = 2\nmax_attempts = 9\n"
        "[api]\ncors_origins = https://a.example,\n  https://b.example\n",
    )
    settings = Settings.load(env={"PYSTATOR_WORKER_CONCURRENCY": "7"}, config_file=cfg)
    assert settings.database.url == "postgresql://from-file"
    assert settings.worker.concurrency == 7
    assert settings.worker.max_attempts == 9
    assert settings.api.cors_origins == ("https://a.example", "https://b.example")


def test_the_file_is_found_by_variable_or_in_the_working_directory(tmp_path: Path) -> None:
    write(tmp_path / "pystator.cfg", "[api]\nport = 8100\n")
    assert Settings.load(env={}, cwd=tmp_path).api.port == 8100
    other = write(tmp_path / "other.cfg", "[api]\nport = 8200\n")
    assert Settings.load(env={"PYSTATOR_CONFIG": str(other)}, cwd=tmp_path).api.port == 8200
    (tmp_path / "elsewhere").mkdir()
    assert Settings.load(env={}, cwd=tmp_path / "elsewhere").api.port == 8004


def test_an_empty_variable_counts_as_unset(tmp_path: Path) -> None:
    write(tmp_path / "pystator.cfg", "[redis]\nurl = redis://file\n")
    assert Settings.load(env={"PYSTATOR_REDIS_URL": ""}, cwd=tmp_path).redis.url == "redis://file"


def test_bad_values_name_the_variable_and_every_problem_is_listed(tmp_path: Path) -> None:
    env = {
        "PYSTATOR_API_PORT": "http",
        "PYSTATOR_WORKER_CONCURRENCY": "0",
        "PYSTATOR_SCHEDULER_BACKEND": "cron",
    }
    with pytest.raises(SettingsError) as info:
        Settings.load(env=env, cwd=tmp_path)
    assert info.value.errors == [
        "PYSTATOR_API_PORT: input should be a valid integer, unable to parse string as an integer, "
        "got 'http'",
        "PYSTATOR_WORKER_CONCURRENCY: input should be greater than or equal to 1, got '0'",
        "PYSTATOR_SCHEDULER_BACKEND: input should be 'auto', 'asyncio', 'database', 'redis' or 'celery', "
        "got 'cron'",
    ]
    assert isinstance(info.value, ValueError)


def test_bad_file_values_name_file_section_and_key(tmp_path: Path) -> None:
    cfg = write(tmp_path / "pystator.cfg", "[features]\ninline_code_actions = perhaps\n")
    with pytest.raises(SettingsError) as info:
        Settings.load(env={}, config_file=cfg)
    assert info.value.errors == [
        f"{cfg} [features] inline_code_actions: input should be a valid boolean, unable to interpret input, "
        "got 'perhaps'"
    ]


def test_unknown_sections_and_keys_in_the_file_are_errors(tmp_path: Path) -> None:
    cfg = write(tmp_path / "pystator.cfg", "[workers]\nconcurrency = 1\n[api]\nprot = 1\n")
    with pytest.raises(SettingsError) as info:
        Settings.load(env={}, config_file=cfg)
    assert info.value.errors == [
        f"{cfg}: unknown section [workers] (did you mean [worker]?)",
        f"{cfg} [api] prot: unknown key (did you mean 'port'?)",
    ]


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read the settings file"):
        Settings.load(env={}, config_file=tmp_path / "missing.cfg")
    cfg = write(tmp_path / "broken.cfg", "port = 1\n")
    with pytest.raises(SettingsError, match="not a valid INI file"):
        Settings.load(env={}, config_file=cfg)


def test_unknown_variables_warn_with_a_hint(tmp_path: Path) -> None:
    with pytest.warns(SettingsWarning, match=r"PYSTATOR_WORKER_CONCURENCY .* PYSTATOR_WORKER_CONCURRENCY"):
        Settings.load(env={"PYSTATOR_WORKER_CONCURENCY": "3"}, cwd=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Settings.load(env={"PYSTATOR_TEST_PG_HOST": "x", "PYSTATOR_CONFIG": ""}, cwd=tmp_path)


def test_every_key_is_documented_and_in_the_example_file() -> None:
    keys = Settings.keys()
    assert len({(k.section, k.key) for k in keys}) == len(keys) > 20
    assert env_var("database", "url") == "PYSTATOR_DATABASE_URL"
    root = next((p for p in Path(__file__).resolve().parents if (p / "pystator.cfg.example").exists()), None)
    if root is None:
        pytest.skip("not running from the repository (docs and example are not packaged)")
    docs = (root / "docs" / "reference" / "settings.md").read_text(encoding="utf-8")
    example = (root / "pystator.cfg.example").read_text(encoding="utf-8")
    for key in keys:
        assert f"`{key.env_var}`" in docs, key
        assert f"# {key.key} =" in example, key
        assert f"[{key.section}]" in example
    # The example file itself loads.
    assert Settings.load(env={}, config_file=root / "pystator.cfg.example") == Settings()
