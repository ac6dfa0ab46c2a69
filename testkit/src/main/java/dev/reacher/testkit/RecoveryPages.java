package dev.reacher.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Local copies of the two account-recovery pages the headless method reads (Hotmail/Outlook.com
 * password reset, Yahoo "forgot"), served on loopback. They keep the real pages' element ids and
 * classes; after the submit button is clicked a script adds, 150 ms later, the element the real
 * page shows for the typed address. The outcome is chosen by the local part of the address:
 *
 * <table>
 *   <tr><th>local part</th><th>Hotmail</th><th>Yahoo</th></tr>
 *   <tr><td>{@code exists…}</td><td>{@code #iSelectProofTitle}</td><td>{@code #challenge-selector-challenge}</td></tr>
 *   <tr><td>{@code code…}</td><td>{@code #iEnterVerification}</td><td>{@code #email-verify-challenge}</td></tr>
 *   <tr><td>{@code missing…}</td><td>{@code #iSigninNameError}</td><td>{@code .error-msg}</td></tr>
 *   <tr><td>{@code member…}</td><td>{@code #pMemberNameErr}</td><td>{@code .error-msg}</td></tr>
 *   <tr><td>{@code locked…}</td><td>(nothing)</td><td>{@code .ctx-account_is_locked}</td></tr>
 *   <tr><td>{@code challenge…}</td><td>{@code #iEnterVerification}</td><td>{@code .recaptcha-challenge}</td></tr>
 *   <tr><td>anything else</td><td colspan="2">an element the flow does not know (a redesigned page)</td></tr>
 * </table>
 *
 * <p>{@code /hotmail/redesigned} and {@code /yahoo/redesigned} are pages without the address field.
 * {@link #failNextYahooLoads(int)} makes the next Yahoo loads come back redesigned (for retries).
 * Every request's peer address is recorded, so a test can tell that a page was fetched through a
 * proxy bound to a given loopback address.
 */
public final class RecoveryPages implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<String> peers = new CopyOnWriteArrayList<>();
    private final AtomicInteger yahooFailures = new AtomicInteger();
    private final AtomicInteger loads = new AtomicInteger();

    private RecoveryPages() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::serve);
    }

    public static RecoveryPages start() {
        RecoveryPages pages = new RecoveryPages();
        pages.server.start();
        return pages;
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The local Hotmail password-reset page. */
    public URI hotmail() {
        return URI.create(base() + "/hotmail/password/reset");
    }

    /** The local Yahoo "forgot" page. */
    public URI yahoo() {
        return URI.create(base() + "/yahoo/forgot");
    }

    /** A Hotmail page whose layout the flow does not know. */
    public URI hotmailRedesigned() {
        return URI.create(base() + "/hotmail/redesigned");
    }

    /** A Yahoo page whose layout the flow does not know. */
    public URI yahooRedesigned() {
        return URI.create(base() + "/yahoo/redesigned");
    }

    /** The next {@code n} loads of the Yahoo page answer a page without the address field. */
    public void failNextYahooLoads(int n) {
        yahooFailures.set(n);
    }

    /** Peer addresses of every request so far (e.g. {@code 127.0.0.11}). */
    public List<String> peers() {
        return List.copyOf(peers);
    }

    /** Page loads so far (the pages, not their favicons). */
    public int loads() {
        return loads.get();
    }

    private void serve(HttpExchange ex) throws IOException {
        peers.add(ex.getRemoteAddress().getAddress().getHostAddress());
        String path = ex.getRequestURI().getPath();
        String body;
        if (path.equals("/hotmail/password/reset")) {
            loads.incrementAndGet();
            body = HOTMAIL;
        } else if (path.equals("/yahoo/forgot")) {
            loads.incrementAndGet();
            body = yahooFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? REDESIGNED : YAHOO;
        } else if (path.endsWith("/redesigned")) {
            loads.incrementAndGet();
            body = REDESIGNED;
        } else {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
        ex.sendResponseHeaders(200, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** The script both pages share: reveal the outcome element for the typed address. */
    private static String script(String inputId, String buttonSelector, String outcomes) {
        return """
            <script>
            const outcomes = %s;
            document.querySelector('%s').addEventListener('click', (e) => {
              e.preventDefault();
              const local = document.getElementById('%s').value.split('@')[0];
              const key = Object.keys(outcomes).find(k => local.startsWith(k));
              const html = key ? outcomes[key] : '<div id="somethingNew">We changed this page.</div>';
              setTimeout(() => { document.getElementById('result').insertAdjacentHTML('beforeend', html); }, 150);
            });
            </script>
            """.formatted(outcomes, buttonSelector, inputId);
    }

    private static final String HOTMAIL = """
        <!DOCTYPE html><html><head><title>Recover your account</title></head><body>
        <form id="iForm" method="post">
          <div>We need to verify your identity</div>
          <input type="email" id="iSigninName" name="iSigninName" maxlength="113">
          <input type="submit" id="resetPwdHipAction" value="Next">
        </form>
        <div id="result"></div>
        """ + script("iSigninName", "#resetPwdHipAction", """
            {
              "exists": '<div id="iSelectProofTitle">Verify your identity</div>',
              "code": '<div id="iEnterVerification">Enter your security code</div>',
              "challenge": '<div id="iEnterVerification">Enter your security code</div>',
              "missing": '<div id="iSigninNameError">That Microsoft account doesn\\'t exist.</div>',
              "member": '<div id="pMemberNameErr">Try entering your Microsoft account again.</div>'
            }""") + "</body></html>";

    private static final String YAHOO = """
        <!DOCTYPE html><html><head><title>Yahoo</title></head><body>
        <form id="login-username-form" method="post">
          <input type="text" id="username" name="username" autocomplete="username">
          <button type="submit" id="reg-submit-button" name="verifyYid" value="Continue">Continue</button>
        </form>
        <div id="result"></div>
        """ + script("username", "button[name=\\\"verifyYid\\\"]", """
            {
              "exists": '<div id="challenge-selector-challenge">Choose a way to verify</div>',
              "code": '<div id="email-verify-challenge">Enter the code</div>',
              "missing": '<p class="error-msg">Sorry, we don\\'t recognize this account.</p>',
              "member": '<p class="error-msg">Sorry, we don\\'t recognize this account.</p>',
              "locked": '<div class="ctx-account_is_locked">This account is locked</div>',
              "challenge": '<div class="recaptcha-challenge">Are you a robot?</div>'
            }""") + "</body></html>";

    private static final String REDESIGNED = """
        <!DOCTYPE html><html><head><title>New look</title></head><body>
        <form><input type="text" id="accountName"><button id="go">Go</button></form>
        </body></html>""";
}
