"""Workspaces: an office's own activities, entries and figures; a volunteer's own entries."""
