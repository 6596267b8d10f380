"""The offline demo's cast and sample data: who the person at the demo page can be.

`cast` holds the sample people, centres and groups; `seed` puts them in a fresh demo
database through the services (never raw SQL, never into a database that holds
anything else); `stage` puts the same people and staff groups into the emulator.
"""
