from django.urls import path

from community.api import views

urlpatterns = [
    path("spaces/<int:space_id>/events", views.space_events, name="api_space_events"),
    path("spaces/<int:space_id>/posts", views.post_create, name="api_post_create"),
    path("posts/<int:post_id>/reactions", views.reaction_toggle, name="api_reaction_toggle"),
]
