from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, roles, clinics, referral codes and the consent records of enrolment."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
