"""Test settings: the embedded default plus fast hashing and captured e-mail.

`DATABASE_URL` and `REDIS_URL` still apply, so the same suite runs on PostgreSQL and Redis.
"""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run tasks in-process and synchronously unless a test opts into the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
