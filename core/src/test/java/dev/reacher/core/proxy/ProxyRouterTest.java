package dev.reacher.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.AttemptRoutes;
import dev.reacher.core.smtp.SmtpRoute;
import dev.reacher.core.socks5.ProxyConfig;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Route precedence: request proxy > provider override > pool > default > direct. */
class ProxyRouterTest {
    private static final ProxyConfig DEFAULT = new ProxyConfig("127.0.0.1", 1080);
    private static final ProxyConfig P1 = new ProxyConfig("127.0.0.1", 1081);
    private static final ProxyConfig P2 = new ProxyConfig("127.0.0.1", 1082);
    private static final ProxyConfig REQUEST = new ProxyConfig("127.0.0.1", 1999, "u", "p", null);
    private static final Map<String, ProxyConfig> CONFIGURED = Map.of("default", DEFAULT, "p1", P1, "p2", P2);

    private static ProxyPool pool(boolean enabled) {
        List<PoolProxy> members = CONFIGURED.entrySet().stream().map(e -> PoolProxy.of(e.getKey(), e.getValue())).toList();
        return ProxyPool.create(members, enabled ? PoolSettings.enabled("round_robin") : PoolSettings.DISABLED);
    }

    private static SmtpRoute first(AttemptRoutes routes) {
        AttemptRoutes.Next next = routes.next(false, Instant.now().plusSeconds(5));
        routes.report(dev.reacher.core.smtp.SmtpAttempt.Outcome.VERDICT, java.time.Duration.ZERO);
        return next.route();
    }

    @Test
    void requestProxyIsUsedAsIsEvenWithThePoolEnabled() {
        ProxyRouter router = new ProxyRouter(pool(true));
        AttemptRoutes routes = router.plan("default", Map.of("default", REQUEST), Provider.GMAIL, "x.test", LimitPolicy.IGNORE);
        for (int i = 0; i < 3; i++) {
            assertThat(first(routes)).isEqualTo(SmtpRoute.via("default", REQUEST));
        }
        assertThat(routes.maxAttempts()).isEqualTo(1);
    }

    @Test
    void providerOverrideListRotatesWithinTheList() {
        ProxyRouter router = new ProxyRouter(pool(true));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            seen.add(first(router.plan("p1,p2", CONFIGURED, Provider.GMAIL, "x.test", LimitPolicy.WAIT)).proxyId());
        }
        assertThat(seen).containsExactlyInAnyOrder("p1", "p2");
    }

    @Test
    void providerOverrideSingleIdIsPinned() {
        ProxyRouter router = new ProxyRouter(pool(true));
        for (int i = 0; i < 4; i++) {
            assertThat(first(router.plan("p2", CONFIGURED, Provider.GMAIL, "x.test", LimitPolicy.WAIT)).proxyId())
                    .isEqualTo("p2");
        }
    }

    @Test
    void enabledPoolRotatesOverEveryMemberWhenNothingIsPinned() {
        ProxyRouter router = new ProxyRouter(pool(true));
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            order.append(first(router.plan(null, CONFIGURED, Provider.EVERYTHING_ELSE, "x.test", LimitPolicy.WAIT))
                    .proxyId()).append(' ');
        }
        assertThat(order.toString()).isEqualTo("default p1 p2 default p1 p2 ");
    }

    @Test
    void disabledPoolKeepsUpstreamRouting() {
        ProxyRouter router = new ProxyRouter(pool(false));
        assertThat(first(router.plan("default", CONFIGURED, Provider.GMAIL, "x.test", LimitPolicy.WAIT)))
                .isEqualTo(SmtpRoute.via("default", DEFAULT));
        assertThat(first(router.plan(null, CONFIGURED, Provider.GMAIL, "x.test", LimitPolicy.WAIT)))
                .isEqualTo(SmtpRoute.direct());
    }

    @Test
    void noPoolAtAllIsDirectOrTheConfiguredProxy() {
        ProxyRouter router = new ProxyRouter(null);
        assertThat(first(router.plan(null, Map.of(), Provider.GMAIL, "x.test", LimitPolicy.WAIT))).isEqualTo(SmtpRoute.direct());
        assertThat(first(router.plan("p1", CONFIGURED, Provider.GMAIL, "x.test", LimitPolicy.WAIT)))
                .isEqualTo(SmtpRoute.via("p1", P1));
    }

    @Test
    void aRetryAvoidsTheProxiesOfTheEarlierTryWhileAnotherIsLeft() {
        for (String strategy : List.of("round_robin", "random", "weighted", "least_used", "sticky")) {
            List<PoolProxy> members = CONFIGURED.entrySet().stream().map(e -> PoolProxy.of(e.getKey(), e.getValue())).toList();
            ProxyRouter router = new ProxyRouter(ProxyPool.create(members, PoolSettings.enabled(strategy)));
            for (int i = 0; i < 20; i++) {
                assertThat(first(router.plan(null, CONFIGURED, Provider.EVERYTHING_ELSE, "x.test", LimitPolicy.WAIT,
                        Set.of("default", "p1"))).proxyId()).as(strategy).isEqualTo("p2");
                assertThat(first(router.plan("p1,p2", CONFIGURED, Provider.GMAIL, "x.test", LimitPolicy.WAIT,
                        Set.of("p2"))).proxyId()).as(strategy).isEqualTo("p1");
                // Every member avoided: the hint is dropped rather than failing the verification.
                assertThat(first(router.plan("p1,p2", CONFIGURED, Provider.GMAIL, "x.test", LimitPolicy.WAIT,
                        Set.of("p1", "p2"))).proxyId()).as(strategy).isIn("p1", "p2");
            }
        }
    }

    @Test
    void parsesIdLists() {
        assertThat(ProxyRouter.parseIds(" proxy1 , proxy2,,")).containsExactly("proxy1", "proxy2");
        assertThat(ProxyRouter.parseIds(null)).isEmpty();
        assertThat(ProxyRouter.parseIds("  ")).isEmpty();
    }
}
