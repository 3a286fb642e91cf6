"""Rounds: a council's participatory-budgeting round, its lifecycle, budgets, ballot settings, voters and log."""
