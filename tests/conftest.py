import pytest

pytest_plugins = ["tests.fixtures"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Runs the schema fuzz last: it fills the session's database with whatever it made up
    and leaves its five services' events on the session's broker, which no other test
    expects."""
    items.sort(key=lambda item: item.get_closest_marker("fuzz") is not None)
