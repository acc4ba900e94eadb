from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Screening, flags, queues, escalation and the audit trail."""

    name = "moderation"
