"""App stores: Apple and Google notifications mirrored into subscription state."""
