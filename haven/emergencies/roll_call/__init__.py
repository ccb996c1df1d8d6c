"""Roll call and accountability: teachers report their classes, the office the visitors on site
(`services`); `accountability` adds it up for the dashboard, the API and the after-action report.
Imports `alerts` only."""
