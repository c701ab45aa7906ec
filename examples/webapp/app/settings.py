"""Runtime settings for the orders service."""

import os

DEBUG = True
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://orders@localhost/orders")

# Left here "temporarily" by a developer; a secret scanner must catch it.
# (This is a fabricated credential for gatecheck's example; it grants nothing.)
AWS_ACCESS_KEY_ID = "AKIAZ3MHQX7R2LTB4WNP"
AWS_SECRET_ACCESS_KEY = "q8Xv2Lr7Tz0bNw4YkPs9Hd3Mf6Gc1Ja5Ue8RiQoV"

UPLOAD_DIR = "/tmp/orders-uploads"
