#!/usr/bin/env bash
# Builds the project's images from the jars the Maven build made (./mvnw -q -B package -DskipTests).
#   docker/build-images.sh [--from-host] [--tag TAG]
#     autoscaler:TAG       every service (the command names the service)
#     autoscaler-app:TAG   the toy app
#   --from-host  first builds the base images FROM scratch out of files on this machine, for machines that reach no
#                image registry: autoscaler-jre:TAG (a jlink'd runtime of $JAVA_HOME), autoscaler-redis:TAG and
#                autoscaler-nginx:TAG (Debian's binaries and the libraries ldd lists). Without it the Dockerfiles'
#                public bases are used (JAVA_IMAGE, default eclipse-temurin:21-jre).
# Prints the images and their sizes at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TAG=local
FROM_HOST=0
while [ $# -gt 0 ]; do
  case "$1" in
    --from-host) FROM_HOST=1 ;;
    --tag) [ $# -ge 2 ] || { echo "build-images: --tag needs a value" >&2; exit 2; }; TAG="$2"; shift ;;
    *) echo "build-images: unknown argument $1 (usage: build-images.sh [--from-host] [--tag TAG])" >&2; exit 2 ;;
  esac
  shift
done
say() { echo "build-images: $*" >&2; }
# docker build, quiet unless it fails (the legacy builder prints a deprecation notice on every run)
dbuild() {
  local log
  log="$(mktemp)"
  if ! docker build -q "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; say "docker build $* failed"; exit 1; fi
  rm -f "$log"
}
for f in cli/target/autoscaler.jar app/target/app.jar; do
  [ -f "$ROOT/$f" ] || { say "$f is missing: run ./mvnw -q -B package -DskipTests first"; exit 1; }
done
# the modules every service needs (jdeps over the launcher's classpath), plus TLS and management for the LLM and metrics,
# and jdk.zipfs: Jetty serves the dashboard's pages out of its jar through a zip file system
JRE_MODULES=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.jfr,jdk.management,jdk.unsupported,jdk.zipfs

# copies a binary and every library ldd lists for it into the root file system $1, at the same paths
copy_with_libs() {
  local rootfs="$1"; shift
  local f lib
  for f in "$@"; do
    for lib in $(ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
      mkdir -p "$rootfs$(dirname "$lib")"
      [ -e "$rootfs$lib" ] || cp -L "$lib" "$rootfs$lib"
    done
  done
}

# /etc/passwd and /etc/group with root and nobody: nginx's master looks nobody up, and USER 65534 needs no entry
add_users() {
  mkdir -p "$1/etc"
  printf 'root:x:0:0:root:/:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n' > "$1/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$1/etc/group"
  mkdir -p "$1/tmp" && chmod 1777 "$1/tmp"
}

build_scratch() { # name context
  printf 'FROM scratch\nCOPY rootfs/ /\n%s\n' "$3" > "$2/Dockerfile"
  dbuild -t "$1:$TAG" "$2"
  say "built $1:$TAG (FROM scratch)"
}

if [ "$FROM_HOST" = 1 ]; then
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  JDK="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
  # the runtime: same path as the Temurin images, so one Dockerfile serves both
  mkdir -p "$WORK/jre/rootfs/opt/java"
  "$JDK/bin/jlink" --add-modules "$JRE_MODULES" --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
    --output "$WORK/jre/rootfs/opt/java/openjdk"
  copy_with_libs "$WORK/jre/rootfs" "$WORK/jre/rootfs/opt/java/openjdk/bin/java" $(find "$WORK/jre/rootfs/opt/java/openjdk/lib" -name '*.so')
  add_users "$WORK/jre/rootfs"
  build_scratch autoscaler-jre "$WORK/jre" 'ENV JAVA_HOME=/opt/java/openjdk'

  # redis-server keeps its name: it is a symlink whose name picks the mode
  mkdir -p "$WORK/redis/rootfs/usr/local/bin" "$WORK/redis/rootfs/data"
  cp -L "$(command -v redis-server)" "$WORK/redis/rootfs/usr/local/bin/redis-server"
  copy_with_libs "$WORK/redis/rootfs" "$(command -v redis-server)"
  add_users "$WORK/redis/rootfs"
  build_scratch autoscaler-redis "$WORK/redis" 'ENTRYPOINT ["/usr/local/bin/redis-server"]'

  NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
  mkdir -p "$WORK/nginx/rootfs/usr/sbin" "$WORK/nginx/rootfs/etc/nginx" "$WORK/nginx/rootfs/var/log/nginx"
  cp -L "$NGINX" "$WORK/nginx/rootfs/usr/sbin/nginx"
  cp /etc/nginx/mime.types "$WORK/nginx/rootfs/etc/nginx/"
  copy_with_libs "$WORK/nginx/rootfs" "$NGINX"
  add_users "$WORK/nginx/rootfs"
  # SIGQUIT: nginx finishes the requests in flight before it exits
  build_scratch autoscaler-nginx "$WORK/nginx" 'STOPSIGNAL SIGQUIT'
  JAVA_IMAGE="autoscaler-jre:$TAG"
fi

cd "$ROOT"
dbuild -f docker/services.Dockerfile --build-arg "JAVA_IMAGE=${JAVA_IMAGE:-eclipse-temurin:21-jre}" -t "autoscaler:$TAG" .
say "built autoscaler:$TAG"
dbuild -f docker/app.Dockerfile --build-arg "JAVA_IMAGE=${JAVA_IMAGE:-eclipse-temurin:21-jre}" -t "autoscaler-app:$TAG" .
say "built autoscaler-app:$TAG"
docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "^autoscaler(-jre|-redis|-nginx|-app)?:$TAG " >&2
