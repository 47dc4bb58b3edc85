"""The kiosk's screens: presentation only. Each screen is a .py beside its .kv file;
it binds to app properties, calls one FrontDesk method on a tap, and shows the result."""
