# syntax=docker/dockerfile:1
# Tide's controller image: one image for every controller (`tide controller
# --controllers=source|kustomize`, see `tide install --export`), and the tide CLI.
#
#   docker build -t ghcr.io/tide-gitops/tide:v$(node -p 'require("./package.json").version') .
#
# src/install/dockerfile.test.ts keeps the build arguments and paths in step with the
# repository (Go and Node versions, the Helm version stamp, the files copied).

ARG GO_VERSION=1.26
ARG NODE_VERSION=24
ARG DEBIAN_RELEASE=bookworm

# tide-render: the upstream Kustomize, Helm and SOPS engines (renderer/, Go).
FROM golang:${GO_VERSION}-${DEBIAN_RELEASE} AS renderer
WORKDIR /src/renderer
COPY renderer/go.mod renderer/go.sum ./
RUN go mod download
COPY renderer/ ./
# Helm reports its version from a linker variable (as src/render/binary.ts stamps it).
ARG HELM_VERSION=v4.3.1
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=${HELM_VERSION}" \
      -o /out/tide-render .

# The TypeScript build; dev dependencies stay in this stage.
FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim
# The source controller runs the git CLI (ADR 0004), over HTTPS and SSH.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 65532 tide \
    && useradd --uid 65532 --gid 65532 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin tide
COPY --from=renderer /out/tide-render /usr/local/bin/tide-render
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The root filesystem is read-only in the Deployments: home and caches live on the /tmp volume.
# A 2 MiB young generation keeps the controllers' peak memory down at no cost in throughput
# (docs/benchmarks.md: 1,000 Kustomizations, 229 → 171 MiB peak RSS, same time, less CPU).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=2 \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    TIDE_RENDER_BINARY=/usr/local/bin/tide-render
USER 65532:65532
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["--help"]
