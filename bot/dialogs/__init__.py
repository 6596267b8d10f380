"""The conversation layer: channel-neutral screens and the steps of each flow, per feature."""
