from mentionwatch.sources.registry import get_webhook_source, webhook_source_names


def test_every_webhook_platform_is_reachable_by_name():
    assert set(webhook_source_names()) >= {"x", "facebook", "instagram", "mastodon", "youtube", "standard"}


def test_helper_modules_are_not_sources():
    assert not any(name.startswith("_") for name in webhook_source_names())


def test_platform_success_statuses():
    statuses = {name: get_webhook_source(name).success_status for name in ("x", "facebook", "instagram", "mastodon")}
    assert set(statuses.values()) == {200}
