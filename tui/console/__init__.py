"""The coordinator's console (``taelleuge koordinator``): one Textual app, one mode per task."""
