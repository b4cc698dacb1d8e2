"""The operator dashboard: one static page, its script and Chart.js, served by the app itself
(no CDN, so it works offline and on the local stack). The page holds no data: it asks for the
operator key and reads ``/operator/metrics/all`` with it."""
