"""Closing the loop: the brand's own posts recorded as responses, and replies posted from mentionwatch."""
