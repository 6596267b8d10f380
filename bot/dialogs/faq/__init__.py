"""The FAQ's screens (`screens`), its buttons (`actions`) and the live part of an answer
(`live`), channel-neutral."""
