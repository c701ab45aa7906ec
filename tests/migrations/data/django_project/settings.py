"""Django settings for generating `sqlmigrate` output in the migrations tests (see sqlmigrate_all.py)."""

import os
from urllib.parse import urlparse

_url = urlparse(os.environ["GATECHECK_TEST_POSTGRES_URL"])
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": _url.username or "",
        "PASSWORD": _url.password or "",
        "HOST": _url.hostname or "",
        "PORT": str(_url.port or ""),
        # apply_and_print.py migrates into a schema of its own, so that tests never touch each other's tables.
        **({"OPTIONS": {"options": f"-c search_path={os.environ['GATECHECK_DJANGO_SCHEMA']}"}}
           if os.environ.get("GATECHECK_DJANGO_SCHEMA") else {}),
    }
}
INSTALLED_APPS = ["django.contrib.postgres", "shop", "inventory"]
USE_TZ = True
SECRET_KEY = "not-a-secret"  # Django refuses to start without one; nothing is signed
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
