"""Domain rules: what a reaction, share, view or site means. No Flask, no Redis commands."""
