"""Drills and what comes after: scheduling, starting and logging drills (`services`), compliance
per school year (`compliance`) and the after-action report of an incident or a drill (`report`).
The top of the app: it may import `alerts`, `roll_call` and `reunification`; no other sub-package
imports it."""
