"""Liaison: the feedback collector for grassroots legislative liaison stations."""
