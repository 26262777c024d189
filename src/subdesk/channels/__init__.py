"""Channels other than buying here: service providers (partners) and app stores."""
