package dev.reacher.server.status;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.headless.WebDriverClient;
import dev.reacher.testkit.Chromedriver;
import dev.reacher.testkit.PeerUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The system's headless Chromium ({@code /usr/bin/chromium}) through the system's chromedriver
 * (the testkit fixture) and the product's own WebDriver client: open a page, run a script, type,
 * click, take a screenshot. Nothing is downloaded; without Debian's {@code chromium} and
 * {@code chromium-driver}, starting throws {@link PeerUnavailableException}.
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private final Chromedriver driver;
    private final WebDriverClient.Session session;

    private HeadlessChromium(Chromedriver driver, WebDriverClient.Session session) {
        this.driver = driver;
        this.session = session;
    }

    /** Starts chromedriver on a free loopback port and a browser session of the given window size. */
    static HeadlessChromium start(int width, int height) throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            throw new PeerUnavailableException("chromium is not installed (scripts/install-test-peers.sh installs it)");
        }
        Chromedriver driver = Chromedriver.start();
        try {
            List<String> args = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--window-size=" + width + "," + height);
            WebDriverClient client = new WebDriverClient(driver.address(), Duration.ofSeconds(60));
            return new HeadlessChromium(driver, client.newSession(
                    Map.of("binary", CHROMIUM.toString(), "args", args), Duration.ofSeconds(30)));
        } catch (Exception | Error e) {
            driver.close();
            throw e;
        }
    }

    void open(String url) throws Exception {
        session.navigate(url);
    }

    /** Runs {@code script} (a function body; {@code return} gives the value) in the page. */
    JsonNode script(String script) throws Exception {
        return session.execute(script);
    }

    String currentUrl() throws Exception {
        return session.currentUrl();
    }

    /** Types {@code text} into the first element matching {@code css}. */
    void type(String css, String text) throws Exception {
        session.sendKeys(first(css), text);
    }

    void click(String css) throws Exception {
        session.click(first(css));
    }

    private String first(String css) throws Exception {
        List<String> found = session.findAll(css);
        if (found.isEmpty()) {
            throw new AssertionError("no element matches " + css);
        }
        return found.get(0);
    }

    void screenshot(Path png) throws Exception {
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.write(png, session.screenshot());
    }

    @Override
    public void close() {
        try {
            session.quit();
        } catch (Exception e) {
            // the driver and its browsers are stopped below anyway
        }
        driver.close();
    }
}
