"""The web kit the customer portal and the support console share (`kit`): neither imports
the other."""
