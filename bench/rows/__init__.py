"""One module per row of the report. Each has KEY (its letter), NAME, TITLE, TOOLS (programs it needs),
PAID (it needs dropbolt-fakes and LNbits), and run(ctx) -> Row."""

from . import backlog, big_image, detection, growth, idle_memory, paid_path, reconcile, scan

ROWS = [detection, reconcile, idle_memory, paid_path, big_image, scan, growth, backlog]
