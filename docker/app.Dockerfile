# The toy app alone: its jar and the few libraries it needs. Build from the repository root after ./mvnw -q -B package -DskipTests:
#   docker build -f docker/app.Dockerfile -t autoscaler-app:local .
ARG JAVA_IMAGE=eclipse-temurin:21-jre
FROM ${JAVA_IMAGE}
COPY app/target/lib/ /opt/app/lib/
COPY app/target/app.jar /opt/app/app.jar
USER 65534:65534
# PORT and HOST choose where it listens (default 127.0.0.1:8080); SIGTERM drains it
ENTRYPOINT ["/opt/java/openjdk/bin/java", "-XX:+UseSerialGC", "-Xms16m", "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/app/app.jar"]
