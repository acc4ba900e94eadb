# Production image for web (daphne), worker (screening) and scheduler (sweep + escalation).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# The CPU build of torch; PyPI's default torch wheel carries gigabytes of CUDA.
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY . .
RUN pip install --no-cache-dir -e . \
    && python -m ml.build_encoder \
    && python manage.py compilemessages --ignore=.venv -v0

RUN useradd --create-home sammen && chown -R sammen /app
USER sammen
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", \
     "--websocket-max-message-size", "65536", "--websocket-max-frame-size", "65536", \
     "--websocket_timeout", "86400", "config.asgi:application"]
