"""Named errors of custom fields, each with a stable problem type."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class CustomFieldExists(Conflict):
    """A definition names a key another field has (or had: retired keys stay taken)."""

    title = "Custom field key taken"
    slug = "custom-field-exists"


class CustomFieldNotFound(NotFound):
    """The path names a key no custom field has."""

    title = "Custom field not found"
    slug = "custom-field-not-found"


class CustomFieldDefinitionInvalid(Unprocessable):
    """A definition's rules do not fit its type (choices on a text field, a minimum above
    the maximum, a repeated choice code, …)."""

    title = "Invalid custom field definition"
    slug = "custom-field-definition-invalid"


class CustomFieldInUse(Conflict):
    """A change that would orphan stored values: a new type once a member has a value, or
    removing a choice a member has."""

    title = "Custom field in use"
    slug = "custom-field-in-use"


class CustomFieldRetired(Conflict):
    """The field was retired: its definition no longer changes."""

    title = "Custom field retired"
    slug = "custom-field-retired"


class CustomValueInvalid(Unprocessable):
    """A member's custom field value breaks its definition: an unknown or retired key, a
    value of the wrong type, a choice not in the list, too long, out of range, or a
    required field missing at registration or cleared."""

    title = "Invalid custom field value"
    slug = "custom-value-invalid"


class CustomFieldFilterInvalid(Unprocessable):
    """A ``field.<key>`` search parameter names an unknown or unsearchable field, or gives
    a value the field's type cannot have."""

    title = "Invalid custom field filter"
    slug = "custom-field-filter-invalid"
