"""PostgreSQL as every process uses it: Django's backend with bounded waits and timeouts
per kind of work (`ENGINE = "config.database"`; see `base` and `work`)."""
