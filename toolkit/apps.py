from django.apps import AppConfig


class ToolkitConfig(AppConfig):
    """The personal coping toolkit, the safety plan and check-ins."""

    name = "toolkit"
