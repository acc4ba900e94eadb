from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Screening, flags, queues, escalation and the audit trail."""

    name = "moderation"

    def ready(self) -> None:
        # Fill community's screening seam: every post, comment and edit comes through here.
        from community import screening as community_screening
        from moderation.services.screening import post_screening_requester

        community_screening.register_requester(post_screening_requester)
