#!/usr/bin/env bash
# Builds a release: dist/autoscaler-VERSION.tar.gz (the launcher, the jars, the docs, the SBOM and SHA256SUMS) and,
# unless --no-images, the images tagged VERSION. The version is Maven's project.version, as `autoscaler --version` says.
#   release/release.sh [--out DIR] [--no-build] [--no-images] [--from-host]
#     --out DIR    where the tarball goes (default dist/ in the repository)
#     --no-build   pack what the last build made (cli/target) instead of running mvnw package first
#     --no-images  no Docker images (the tarball alone)
#     --from-host  the images' bases built FROM scratch out of this machine (docker/build-images.sh --from-host)
# Called by `./autoscaler release`, which has found a JDK and exported JAVA_HOME.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/dist"
BUILD=1
IMAGES=1
FROM_HOST=""
say() { echo "release: $*" >&2; }
usage() {
  echo "Usage: autoscaler release [--out DIR] [--no-build] [--no-images] [--from-host]"
  sed -n '2,3p;5,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || { say "--out needs a directory"; exit 2; }; OUT="$2"; shift ;;
    --no-build) BUILD=0 ;;
    --no-images) IMAGES=0 ;;
    --from-host) FROM_HOST=--from-host ;;
    -h|--help) usage; exit 0 ;;
    *) say "unknown argument $1 (see release --help)"; exit 2 ;;
  esac
  shift
done
: "${JAVA_HOME:?release: JAVA_HOME is not set (run it as ./autoscaler release)}"

CLI="$ROOT/cli/target"
if [ "$BUILD" = 1 ]; then
  say "building (mvnw package) ..."
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package) >&2
  touch "$CLI/.build-stamp"
fi
for f in "$CLI/autoscaler.jar" "$CLI/autoscaler-sbom.json"; do
  [ -f "$f" ] || { say "$f is missing: build first (./mvnw -q -B -DskipTests package) or drop --no-build"; exit 1; }
done
VERSION="$("$JAVA_HOME/bin/java" -jar "$CLI/autoscaler.jar" --version | awk '{print $NF}')"
[ -n "$VERSION" ] || { say "the jar did not say its version"; exit 1; }
# an offline build (mvnw -o) skips the SBOM: one older than the jar describes another build
if [ "$CLI/autoscaler.jar" -nt "$CLI/autoscaler-sbom.json" ] || ! grep -q "\"version\" : \"$VERSION\"" "$CLI/autoscaler-sbom.json"; then
  say "$CLI/autoscaler-sbom.json is not this build's (an offline build skips it): build online, or drop --no-build"; exit 1
fi
NAME="autoscaler-$VERSION"

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
DIR="$STAGE/$NAME"
mkdir -p "$DIR/lib" "$DIR/docs"
# only the jars the manifest's Class-Path names: cli/target/lib may still hold jars of earlier versions
cp "$CLI/autoscaler.jar" "$DIR/autoscaler.jar"
(cd "$STAGE" && "$JAVA_HOME/bin/jar" xf "$CLI/autoscaler.jar" META-INF/MANIFEST.MF)
CLASS_PATH="$(tr -d '\r' < "$STAGE/META-INF/MANIFEST.MF" \
  | awk '/^Class-Path:/ {on=1; sub(/^Class-Path: /, ""); printf "%s", $0; next} on && /^ / {sub(/^ /, ""); printf "%s", $0; next} {on=0}')"
rm -rf "$STAGE/META-INF"
[ -n "$CLASS_PATH" ] || { say "$CLI/autoscaler.jar names no Class-Path in its manifest"; exit 1; }
for jar in $CLASS_PATH; do
  cp "$CLI/$jar" "$DIR/$jar"
done
cp "$ROOT/autoscaler" "$DIR/autoscaler"
cp "$CLI/autoscaler-sbom.json" "$DIR/sbom.cdx.json"
cp "$ROOT/README.md" "$ROOT/CHANGELOG.md" "$ROOT/LICENSE" "$ROOT/NOTICE" "$DIR/"
for readme in "$ROOT"/*/README.md; do
  module="$(basename "$(dirname "$readme")")"
  mkdir -p "$DIR/docs/$module" && cp "$readme" "$DIR/docs/$module/README.md"
done
# the stack in containers and on Kubernetes, and the dashboards and alerts for Prometheus and Grafana: in a git
# checkout what is committed (a stray file, a Secret with a key, stays out), else the directories as they are
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  [ -z "$(git -C "$ROOT" status --porcelain)" ] || say "warning: the working tree has changes that are not committed; the jars are built from it"
  (cd "$ROOT" && git ls-files -z deploy nginx docker-compose.yml | xargs -0 cp --parents -t "$DIR")
else
  cp -r "$ROOT/deploy" "$ROOT/nginx" "$ROOT/docker-compose.yml" "$DIR/"
fi
echo "$VERSION" > "$DIR/VERSION"
(cd "$DIR" && find . -type f ! -name SHA256SUMS -printf '%P\0' | LC_ALL=C sort -z | xargs -0 sha256sum > SHA256SUMS)

mkdir -p "$OUT"
TARBALL="$(cd "$OUT" && pwd)/$NAME.tar.gz"
# the archive adds no difference of its own: sorted, owned by root, dated by the last commit, no umask in the modes
EPOCH="$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)"
tar --sort=name --owner=0 --group=0 --numeric-owner --mode=go-w --mtime="@$EPOCH" -C "$STAGE" -cf - "$NAME" | gzip -n > "$TARBALL.part"
mv "$TARBALL.part" "$TARBALL"
(cd "$(dirname "$TARBALL")" && sha256sum "$NAME.tar.gz" > "$NAME.tar.gz.sha256")
say "wrote $TARBALL ($(du -h "$TARBALL" | cut -f1), $(ls "$DIR/lib" | wc -l) jars) and $NAME.tar.gz.sha256"

if [ "$IMAGES" = 1 ]; then
  bash "$ROOT/docker/build-images.sh" $FROM_HOST --tag "$VERSION"
fi
echo "$TARBALL"
