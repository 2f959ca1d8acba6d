"""The web console: server-rendered pages (Jinja2), a little vanilla JavaScript, live updates by
server-sent events. Everything is served from this package; nothing comes from a CDN."""
