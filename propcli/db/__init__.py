"""The group database (PostgreSQL): where a property company's estates are published, one schema for all
of them with the estate leading every key (`tables`), configured by PROPCLI_DB or propcli.toml (`config`),
filled by `publish`, guarded by row-level security (`grant`)."""
