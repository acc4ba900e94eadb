from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    """WebSocket plumbing shared by the domain apps; knows no domain app itself."""

    name = "realtime"
