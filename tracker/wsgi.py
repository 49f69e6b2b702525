"""The WSGI entry point for gunicorn: `gunicorn tracker.wsgi:app`."""

from tracker import create_service_app

app = create_service_app()
