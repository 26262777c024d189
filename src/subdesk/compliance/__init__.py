"""Consumer-law rules by jurisdiction: reminder and notice windows, and what they allow."""
