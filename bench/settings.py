"""Settings of the servers the benchmarks start: the project's own, two changes.

- Users are logged in through the real login form, thousands of them; Django's
  PBKDF2 would spend minutes of the server's CPU before anything is measured,
  so passwords are hashed with MD5 here (as the test settings do). Nothing
  measured afterwards touches a password.
- Static files are served by WhiteNoise from the finders, without the
  compressed manifest (which needs ``collectstatic`` first); only the
  annotation viewer benchmark fetches them (the viewer's scripts and styles).

Everything else (DEBUG=0, channel layers, database, the room's hub) is the
production configuration read from the environment by ``nghisu.settings``.
"""

from nghisu.settings import *  # noqa: F403
from nghisu.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
