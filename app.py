"""huiliu: routes and schedules are registered here; everything they run lives in chalicelib/."""
from chalice import Chalice

from chalicelib import logs, tracing
from chalicelib.api import auth_views, middleware, shop_views

logs.configure()
tracing.enable()

app = Chalice(app_name="huiliu")
app.register_middleware(middleware.http, "http")
app.register_blueprint(auth_views.bp)
app.register_blueprint(shop_views.bp)
