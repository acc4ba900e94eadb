"""Every app's WebSocket routes, in one list for the ASGI router and for tests."""

from care.routing import websocket_urlpatterns as care_routes
from community.routing import websocket_urlpatterns as community_routes
from journeys.routing import websocket_urlpatterns as journeys_routes
from moderation.routing import websocket_urlpatterns as moderation_routes
from realtime.routing import websocket_urlpatterns as realtime_routes

websocket_urlpatterns = [
    *realtime_routes,
    *community_routes,
    *journeys_routes,
    *moderation_routes,
    *care_routes,
]
