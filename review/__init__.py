"""The reviewers' web workspace."""
