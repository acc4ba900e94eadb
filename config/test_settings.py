"""Test settings: the embedded default plus fast hashing and captured e-mail.

`DATABASE_URL` and `REDIS_URL` still apply, so the same suite runs on PostgreSQL and Redis.
"""

import os
import tempfile
from pathlib import Path

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run tasks in-process and synchronously unless a test opts into the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Presence frames still coalesce, over a window short enough for the socket tests' quiet periods.
PRESENCE_COALESCE_SECONDS = 0.05

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the daphne live server used by browser tests runs in another process.
    # One file per test process, so parallel runs in one checkout never share a database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"sammen-test-{os.getpid()}.sqlite3")
    }
else:
    # The same on PostgreSQL: two suites on one server must not drop each other's test database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_sammen_{os.getpid()}"}  # noqa: F405
