"""Production settings fail fast without their services and pass Django's deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k3J9-example-only-" + "x7Qm2Lp8Rz4Vn6Bt1Hy5Gd0Wc3Fs9Ka2Ej7Uo4Ti8Pq6",
    "DATABASE_URL": "postgres://sammen@127.0.0.1:5432/sammen",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_ALLOWED_HOSTS": "sammen.example.dk",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy_at_warning_level() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY"),
        ("DATABASE_URL", "PostgreSQL"),
        ("REDIS_URL", "REDIS_URL"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without(missing: str, message: str) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_a_short_secret_key() -> None:
    result = _manage("check", env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_embedded_default_is_sqlite_and_in_memory_layer() -> None:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ENV"}
    }
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["django.db.backends.sqlite3", "channels.layers.InMemoryChannelLayer"]


def test_redis_url_switches_layer_to_redis_with_long_socket_timeout() -> None:
    from config.settings import redis_channel_layer

    layer = redis_channel_layer("redis://127.0.0.1:6379/0")
    host = layer["CONFIG"]["hosts"][0]  # type: ignore[index]
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert host["socket_timeout"] > 5 and host["max_connections"] >= 1000


@pytest.mark.parametrize(
    ("variable", "value"),
    [("RISK_ENCODER_PRECISION", "fp16"), ("RISK_TORCH_THREADS", "0")],
)
def test_a_bad_risk_model_setting_stops_startup_with_its_name(variable: str, value: str) -> None:
    result = _manage("check", env={variable: value})
    assert result.returncode != 0
    assert variable in result.stderr
