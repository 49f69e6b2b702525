"""The Celery entry point: `celery -A tracker.worker worker`."""

from tracker import create_service_app

flask_app = create_service_app()
celery = flask_app.extensions["celery"]
