"""Write `manage.py sqlmigrate shop NNNN` for every shop migration into the directory given as argv[1].

Run with this directory as the working directory and GATECHECK_TEST_POSTGRES_URL set: sqlmigrate
reads the migration history from a live database, but applies nothing.
"""

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django
from django.core.management import call_command

django.setup()
out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
for migration in sorted((Path(__file__).resolve().parent / "shop" / "migrations").glob("0*.py")):
    buffer = io.StringIO()
    call_command("sqlmigrate", "shop", migration.stem, stdout=buffer)
    (out / f"{migration.stem}.sql").write_text(buffer.getvalue())
