"""The benchmark harness: child processes, the daemon under test, the fakes, the report (standard library only)."""
