"""The support desk: staff and roles, search, the customer view, actions, cases, exceptions."""
