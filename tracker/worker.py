"""The Celery entry point: `celery -A tracker.worker worker`."""

from tracker import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
