"""The trust check: the official channels registry, and "is this really us?" for any page."""
