#!/usr/bin/env bash
# Installs everything Tide's tests need on a fresh machine and runs the whole
# suite: lint, types, formatting, generated files, unit and integration tests.
# Needs Node.js 20.19+, npm, Go 1.26+ and (for missing system tools) apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "system packages"
missing=()
command -v git >/dev/null || missing+=(git)
[ -x /usr/lib/git-core/git-http-backend ] || missing+=(git)
command -v ssh >/dev/null || missing+=(openssh-client)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
# Tests sign commits and tags with OpenPGP keys (Tide itself verifies in-process).
command -v gpg >/dev/null || missing+=(gnupg)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
command -v go >/dev/null || { echo "Go 1.26+ is required to build the local cluster (localcluster/); install it and retry" >&2; exit 1; }
echo "git $(git --version | cut -d' ' -f3), $(ssh -V 2>&1 | cut -d, -f1), $(go version | cut -d' ' -f3), node $(node --version)"

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "lint, types, formatting"
npx tsc -p tsconfig.json
npx eslint --max-warnings=0 .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
npx tsx scripts/gen-crds.ts --check
for mod in localcluster renderer; do
  (cd "$mod" && test -z "$(gofmt -l .)") || { echo "gofmt: run 'gofmt -w $mod'" >&2; gofmt -l "$mod"; exit 1; }
done

step "Go tests (renderer, against the upstream tools)"
npx tsx scripts/go-test.ts

step "tests"
npx tsx scripts/test.ts all
