"""The mentions API's domain: request/response models, who is calling, query planning, signed cursors, stats."""
