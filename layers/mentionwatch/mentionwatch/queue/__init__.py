"""The mentions queue between the webhook (and pollers) and the process function."""
