from django.urls import path

from journeys.consumers import JourneyConsumer

websocket_urlpatterns = [
    path("ws/journeys/", JourneyConsumer.as_asgi()),
]
