# All of the autoscaler's services in one image: the launcher's jar, the service is the command
# (docker run autoscaler:local monitor). Build from the repository root after ./mvnw -q -B package -DskipTests:
#   docker build -f docker/services.Dockerfile -t autoscaler:local .
# JAVA_IMAGE is any Java 21+ runtime with java at /opt/java/openjdk/bin/java (the Temurin images' layout);
# docker/build-images.sh --from-host passes one built FROM scratch from this machine's JDK.
ARG JAVA_IMAGE=eclipse-temurin:21-jre
FROM ${JAVA_IMAGE}
COPY cli/target/lib/ /opt/autoscaler/lib/
COPY cli/target/autoscaler.jar /opt/autoscaler/autoscaler.jar
# services listen on loopback unless told otherwise; no shell is assumed in the base
USER 65534:65534
ENTRYPOINT ["/opt/java/openjdk/bin/java", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=50", "-jar", "/opt/autoscaler/autoscaler.jar"]
CMD ["status"]
