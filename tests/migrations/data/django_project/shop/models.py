"""The shop app's models exist only as migrations (the tests print their SQL with sqlmigrate)."""
