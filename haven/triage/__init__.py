"""Triage: risk signals from tips and from students' online activity (see ``classifier``)."""
