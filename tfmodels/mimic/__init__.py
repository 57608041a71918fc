"""mimic: log-odds contrast networks for movement choices (after networkearth/mimic)."""
