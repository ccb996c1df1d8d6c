"""Reunification (Standard Reunification Method): the workflow (`services`) and the rule that
decides who may take a student (`pickup`). Imports `alerts` and `roll_call` only."""
