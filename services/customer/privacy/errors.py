"""Named errors of erasure and access, each with a stable problem type."""

from __future__ import annotations

from shared.errors import ServiceUnavailable


class ExportPeerUnavailable(ServiceUnavailable):
    """A service holding part of the member's data did not answer (down, an error, a
    timeout): an export is complete or not given at all. Retry later."""

    title = "A service could not give its part of the export"
    slug = "export-peer-unavailable"
