from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Screening, flags, queues, escalation and the audit trail."""

    name = "moderation"

    def ready(self) -> None:
        # Fill community's screening seam: every post, comment and edit comes through here.
        from community import screening as community_screening
        from journeys import screening as journeys_screening
        from moderation.services.screening import (
            post_screening_requester,
            reflection_screening_requester,
        )

        community_screening.register_requester(post_screening_requester)
        # Journeys' private reflections are screened too; their flags go to clinicians only.
        journeys_screening.register_requester(reflection_screening_requester)

        # Care messages (added by the care app, issue 7): a youth's message to their clinician.
        # "message" is in PRIVATE_SUBJECT_TYPES, so its flags go to clinicians only.
        from care import screening as care_screening
        from moderation.services.screening import message_screening_requester

        care_screening.register_requester(message_screening_requester)

        # A muted or suspended youth may not write in the community while the sanction lasts.
        from community import services as community_services
        from moderation.services.sanctions import posting_refusal

        community_services.posting_check_register(posting_refusal)
