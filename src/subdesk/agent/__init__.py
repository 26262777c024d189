"""The staff console under /agent: server-rendered pages over the support desk's services."""
