"""Threat assessment and well-being cases: referrals, the case's team and timeline, CSTAG (and any
assessment model held as data), the pathway to violence, C-SSRS screening, safety plans and
follow-ups, with the team, clinical and law-enforcement compartments kept apart by haven.access.

Pages, the API and the CLI change and read cases only through :mod:`haven.cases.services`.
"""
