"""Devices and licenses for the installed app: activation, seats, check-in, offline tokens."""
