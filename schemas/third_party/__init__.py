"""Data package: third-party schemas shipped with their licence notices."""
