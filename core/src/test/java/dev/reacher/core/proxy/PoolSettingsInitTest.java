package dev.reacher.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

/**
 * Regression: touching {@code PoolSettings.Ejection.DEFAULTS} before {@code PoolSettings} itself used
 * to fail with an NPE (class-initialisation cycle). A fresh class loader gives a clean init order.
 */
class PoolSettingsInitTest {
    @Test
    void ejectionDefaultsCanBeTheFirstThingUsed() throws Exception {
        URL classes = PoolSettings.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader fresh = new URLClassLoader(new URL[] {classes}, PoolSettings.class.getClassLoader().getParent())) {
            Class<?> ejection = Class.forName(PoolSettings.Ejection.class.getName(), true, fresh);
            Object defaults = ejection.getField("DEFAULTS").get(null);
            assertThat(defaults).isNotNull();
            Class<?> settings = Class.forName(PoolSettings.class.getName(), true, fresh);
            assertThat(settings.getField("DISABLED").get(null)).isNotNull();
        }
    }
}
