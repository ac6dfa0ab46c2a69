package dev.reacher.core.headless;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code goog:chromeOptions} of every browser session. */
final class ChromeArgs {
    /** Upstream's arguments, in upstream's order (its duplicate {@code --disable-dev-shm-usage} dropped). */
    static final List<String> UPSTREAM = List.of("--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-sandbox", "--use-gl=angle", "--use-angle=swiftshader", "--single-process", "--no-zygote",
            "--window-size=800x600", "--disable-extensions", "--disable-software-rasterizer",
            "--disable-background-networking", "--js-flags=--max-old-space-size=256");

    /**
     * Ours: no QUIC (a SOCKS5 proxy carries TCP only, and closed networks drop UDP), no first-run,
     * component-update or sync traffic that would leave the machine beside the proxy. The driver
     * gives every session a fresh temporary profile ({@code --user-data-dir}) and deletes it when
     * the session is closed; see {@code docs/configuration.md}.
     */
    static final List<String> OURS = List.of("--disable-quic", "--no-first-run", "--disable-component-update",
            "--disable-sync");

    private ChromeArgs() {}

    /**
     * @param binary the browser binary, or null for the driver's default
     * @param socksProxy {@code host:port} of a SOCKS5 proxy without credentials, or null for direct
     */
    static Map<String, Object> options(String binary, String socksProxy) {
        List<String> args = new ArrayList<>(UPSTREAM);
        args.addAll(OURS);
        if (socksProxy != null) {
            args.add("--proxy-server=socks5://" + socksProxy);
            // Chromium sends loopback addresses around any proxy unless told otherwise; with a proxy
            // every page goes through it, so a page served on this machine does too.
            args.add("--proxy-bypass-list=<-loopback>");
        }
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("args", args);
        if (binary != null) {
            options.put("binary", binary);
        }
        return options;
    }
}
