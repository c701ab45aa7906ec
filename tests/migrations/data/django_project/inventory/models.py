"""The inventory app's models exist only as migrations: they exercise every operation the check reads."""
