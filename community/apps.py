from django.apps import AppConfig


class CommunityConfig(AppConfig):
    """Spaces, posts, comments, reactions and Talk it out."""

    name = "community"
