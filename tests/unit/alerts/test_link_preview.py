"""Which User-Agents are link previewers, scanners or crawlers (their GET of an acknowledge link records nothing)."""

from __future__ import annotations

import pytest

from mentionwatch.alerts.acknowledge import is_link_preview


@pytest.mark.parametrize(
    "agent",
    [
        "Slackbot 1.0 (+https://api.slack.com/robots)",
        "Slack-ImgProxy (+https://api.slack.com/robots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "WhatsApp/2.23.20.0 i",
        "TelegramBot (like TwitterBot)",
        "Twitterbot/1.0",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Applebot/0.1",
        "Mattermost-Bot/1.1",
        "SomeMailGateway link scanner 3.2",
        "ExampleCrawler/1.0",
    ],
)
def test_previewers_scanners_and_crawlers_are_recognised(agent):
    # Given the User-Agent of something that fetches links by itself / When classified / Then it is a preview
    assert is_link_preview(agent)


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 13; CUBOT P80) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 "
        "Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 "
        "Safari/537.36 Edg/119.0.2151.72",
        "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
        "curl/8.4.0",
        "",
        None,
    ],
)
def test_browsers_and_plain_clients_are_not_previews(agent):
    # Given a person's browser (or a plain client, or no User-Agent) / When classified / Then it may acknowledge
    assert not is_link_preview(agent)
