"""The message catalogue by area; `propcli.i18n` merges it (one key, one area)."""
