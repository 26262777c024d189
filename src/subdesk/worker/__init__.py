"""The worker: renewals, dunning and ends of term, claimed under row locks."""
