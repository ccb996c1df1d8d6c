"""Incidents and their alerts: the SRP protocols, raising and running an incident (`services`),
whom it reaches (`audience`) and what it says (`payload`), getting it out on commit (`fanout`): the
alert stream (SSE, WebSocket), Web Push, webhooks, e-mail and CAP, with their retries and sweep
(`tasks`). The bottom of the app: it imports nothing of `roll_call`, `reunification` or `drills`."""
