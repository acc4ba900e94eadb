from django.apps import AppConfig


class JourneysConfig(AppConfig):
    """Therapeutic journeys: CBT, mindfulness and ACT modules with private reflections."""

    name = "journeys"
