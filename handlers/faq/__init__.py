"""The FAQ on Telegram: the chat (`chat`) and the index loaded at start (`loading`)."""
