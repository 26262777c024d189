"""Service providers (partners) that provision, suspend, resume and cancel protection."""
