"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Sockets are origin-checked (scheme, host and port: their own origin, with a Host
in ALLOWED_HOSTS, or one of CSRF_TRUSTED_ORIGINS; :mod:`realtime.origin`) and
authenticated by the Django session (looked up on the room's database pool, :mod:`realtime.auth`); each
consumer then decides who may stay.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nghisu.settings")
django_asgi_app = get_asgi_application()  # set up Django before importing consumers

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.auth import SessionAuthStack  # noqa: E402
from realtime.origin import SameOriginValidator  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SameOriginValidator(
            SessionAuthStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
