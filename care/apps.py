from django.apps import AppConfig


class CareConfig(AppConfig):
    """The clinician workspace: caseload, consent, blended care, messages, audit, GDPR."""

    name = "care"

    def ready(self) -> None:
        # Toolkit's staff view of the safety plan records through its seam; fill it here.
        from care.audit import toolkit_access_recorder
        from toolkit import access_audit as toolkit_access_audit

        toolkit_access_audit.register_recorder(toolkit_access_recorder)
