"""Orders service: a small Flask application used as gatecheck's example project."""
