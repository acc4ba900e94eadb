from django.urls import path

from care.consumers import CareThreadConsumer

websocket_urlpatterns = [
    path("ws/care/<int:link_id>/", CareThreadConsumer.as_asgi()),
]
