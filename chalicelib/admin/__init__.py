"""The operator console (运营后台): one static page, its scripts, stylesheet and message catalogues,
and the vendored Preact, htm and Chart.js, served by the app itself (no CDN, so it works offline
and on the local stack). The page holds no data: it logs in and calls the operator functions."""
