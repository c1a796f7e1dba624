"""Coordinator exports and analyses: Landkort files, import, Excel, reports.

Imported lazily by the CLI, never on the kiosk path; never imports textual.
"""
