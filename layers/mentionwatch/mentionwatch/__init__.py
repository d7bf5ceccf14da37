"""mentionwatch: hear what people say about an organisation on social media and react in minutes."""

__version__ = "0.1.0"
