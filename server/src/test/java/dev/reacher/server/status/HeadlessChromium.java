package dev.reacher.server.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.testkit.LoopbackPorts;
import dev.reacher.testkit.PeerUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The system's headless Chromium ({@code /usr/bin/chromium}) driven through the system's
 * {@code chromedriver} by a minimal W3C WebDriver client: open a page, run a script, type into an
 * element, take a screenshot. Nothing is downloaded; without the Debian {@code chromium} and
 * {@code chromium-driver} packages, starting throws {@link PeerUnavailableException}.
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final Process driver;
    private final Path profile;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final String session;

    private HeadlessChromium(Process driver, Path profile, URI base, String session) {
        this.driver = driver;
        this.profile = profile;
        this.base = base;
        this.session = session;
    }

    /** Starts chromedriver on a free loopback port and a browser session with a fresh profile. */
    static HeadlessChromium start(int width, int height) throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new PeerUnavailableException("chromium and chromium-driver are not installed "
                    + "(scripts/install-test-peers.sh installs them)");
        }
        int port = LoopbackPorts.freePort();
        Path profile = Files.createTempDirectory("reacher-chromium-");
        Process driver = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port, "--allowed-ips=127.0.0.1")
                .redirectErrorStream(true).redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile())
                .start();
        URI base = URI.create("http://127.0.0.1:" + port);
        HttpClient probe = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                if (probe.send(HttpRequest.newBuilder(base.resolve("/status")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                // starting
            }
            if (System.nanoTime() > deadline || !driver.isAlive()) {
                driver.destroyForcibly();
                throw new IllegalStateException("chromedriver did not start");
            }
            Thread.sleep(100);
        }
        ObjectNode caps = ReacherJson.mapper().createObjectNode();
        ObjectNode always = caps.putObject("capabilities").putObject("alwaysMatch");
        always.put("browserName", "chrome");
        ObjectNode chrome = always.putObject("goog:chromeOptions");
        chrome.put("binary", CHROMIUM.toString());
        List<String> args = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
        args.forEach(chrome.putArray("args")::add);
        HeadlessChromium browser = null;
        try {
            JsonNode created = send(HttpClient.newHttpClient(), "POST", base.resolve("/session"), caps);
            browser = new HeadlessChromium(driver, profile, base, created.path("value").path("sessionId").asText());
            return browser;
        } finally {
            if (browser == null) {
                driver.destroyForcibly();
            }
        }
    }

    void open(String url) throws Exception {
        command("POST", "/url", Map.of("url", url));
    }

    /** Runs {@code script} (a function body; {@code return} gives the value) in the page. */
    JsonNode script(String script) throws Exception {
        return command("POST", "/execute/sync", Map.of("script", script, "args", List.of()));
    }

    String currentUrl() throws Exception {
        return command("GET", "/url", null).asText();
    }

    /** Types {@code text} into the first element matching {@code css}. */
    void type(String css, String text) throws Exception {
        command("POST", "/element/" + element(css) + "/value", Map.of("text", text));
    }

    void click(String css) throws Exception {
        command("POST", "/element/" + element(css) + "/click", Map.of());
    }

    /** The W3C element reference: an object with one field (the element identifier key) whose value is the id. */
    private String element(String css) throws Exception {
        return command("POST", "/element", Map.of("using", "css selector", "value", css)).elements().next().asText();
    }

    void screenshot(Path png) throws Exception {
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.write(png, Base64.getDecoder().decode(command("GET", "/screenshot", null).asText()));
    }

    private JsonNode command(String method, String path, Object body) throws Exception {
        return send(http, method, base.resolve("/session/" + session + path), body).path("value");
    }

    private static JsonNode send(HttpClient http, String method, URI uri, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(ReacherJson.write(body)));
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("WebDriver " + method + " " + uri.getPath() + ": " + r.statusCode() + " "
                    + r.body());
        }
        return ReacherJson.mapper().readTree(r.body());
    }

    @Override
    public void close() throws Exception {
        try {
            send(http, "DELETE", base.resolve("/session/" + session), null);
        } catch (Exception e) {
            // the driver is killed below anyway
        }
        driver.destroy();
        if (!driver.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            driver.destroyForcibly();
        }
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
