"""mimic: log-odds contrast networks for movement choices (seed notebook 004)."""
