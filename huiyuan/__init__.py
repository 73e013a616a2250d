"""The ``huiyuan`` command: runs the whole stack and the operator's everyday tasks."""
