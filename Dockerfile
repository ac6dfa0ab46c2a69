# reacher-java: the HTTP backend (`reacher serve`), a drop-in for Reacher's backend image.
#
#   docker build -t reacher-java .
#   docker run --rm -p 8080:8080 -e RCH__HEADER_SECRET=change-me -v reacher-data:/data reacher-java
#   docker run --rm -e RCH__WORKER__ENABLE=true -e RCH__WORKER__RABBITMQ__URL=… \
#              -e RCH__STORAGE__POSTGRES__DB_URL=… -e RCH__WORKER__HTTP_PORT=8080 reacher-java worker   # a scale-out worker (probes on 8080)
#
# Configuration as upstream: RCH__* variables (see docs/configuration.md), and/or a TOML file
# mounted at /home/reacher/backend_config.toml (the shipped one holds the defaults).

# ---- build: the runnable jar, tests skipped (CI runs them) -----------------------------------------
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
# The wrapper and POMs first, so that dependency downloads are cached across source changes.
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY testkit/pom.xml testkit/pom.xml
COPY core/pom.xml core/pom.xml
COPY server/pom.xml server/pom.xml
COPY cli/pom.xml cli/pom.xml
COPY bench/pom.xml bench/pom.xml
RUN ./mvnw -B -q -pl cli -am dependency:go-offline -DexcludeGroupIds=dev.reacher || true
COPY . .
RUN ./mvnw -B -q -DskipTests -pl cli -am package && cp cli/target/reacher.jar /reacher.jar

# ---- runtime: JRE only, unprivileged user ----------------------------------------------------------
FROM eclipse-temurin:25-jre
RUN groupadd --system --gid 10001 reacher \
 && useradd --system --uid 10001 --gid reacher --home-dir /home/reacher --create-home --shell /usr/sbin/nologin reacher
COPY --from=build /reacher.jar /opt/reacher/reacher.jar
COPY --chown=reacher:reacher backend_config.toml /home/reacher/backend_config.toml
# Bulk jobs and stored results (the single-machine SQLite database) live on a volume.
RUN mkdir /data && chown reacher:reacher /data
VOLUME /data
WORKDIR /home/reacher
USER reacher:reacher
# Upstream's image listens on all interfaces; the file default (127.0.0.1) is for bare-metal runs.
ENV RCH__HTTP_HOST=0.0.0.0 \
    RCH__STORAGE__SQLITE__PATH=/data/reacher.db \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080
# SIGTERM (docker stop) lets verifications in flight finish for shutdown_timeout (30 s): give
# `docker stop -t` / terminationGracePeriodSeconds a little more than that.
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-jar", "/opt/reacher/reacher.jar"]
CMD ["serve"]
