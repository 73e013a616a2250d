"""CSV import of members: staged by the upload, applied by a durable job (see :mod:`.jobs`)."""
