# The one image for every role: `rum collector`, `rum pipeline`, `rum migrate`, `rum run`.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY js/package.json js/package-lock.json js/
RUN npm ci --prefix js --no-audit --no-fund
COPY dashboards/web/package.json dashboards/web/package-lock.json dashboards/web/
RUN npm ci --prefix dashboards/web --no-audit --no-fund
COPY js js
COPY dashboards/web dashboards/web
RUN mkdir -p beacon/static && npm run --prefix js build && npm run --prefix dashboards/web build

FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY beacon beacon
COPY pipeline pipeline
COPY --from=assets /src/beacon/static/rum.js beacon/static/rum.js
COPY --from=assets /src/beacon/static/dashboard beacon/static/dashboard
RUN pip install --no-cache-dir -c requirements.lock . && useradd --system rum \
    && mkdir -p data/spool && chown -R rum data
USER rum
ENV RUM_HOST=0.0.0.0
EXPOSE 8080
ENTRYPOINT ["rum"]
CMD ["run"]
