"""Create demo content: a clinic, one user of each role, and each app's demo data. Idempotent."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from accounts.demo import demo_accounts_create


class Command(BaseCommand):
    help = "Create demo content for the embedded default (never in production)."

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("seed_demo refuses to run with DJANGO_ENV=production.")
        logins = demo_accounts_create()
        # Apps add their own demo content by defining `<app>.demo.demo_content_create()`.
        for config in apps.get_app_configs():
            if config.name == "accounts":
                continue
            try:
                create = import_string(f"{config.name}.demo.demo_content_create")
            except ImportError:
                continue
            create()
        self.stdout.write(f"Demo log-ins (password for all: {logins[0].password}):")
        for login in logins:
            self.stdout.write(f"  {login.handle:<16} {login.role}")
