"""The channel-neutral conversation layer: each feature's screens, texts and next steps."""
